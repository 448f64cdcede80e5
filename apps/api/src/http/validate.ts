import type { Request } from 'express';
import type { z } from 'zod';
import { InvalidParameter, UnknownParameter } from '@reportrun/core';
import { UnsupportedMediaType } from './errors.ts';
import type { ParamStyle } from './faces.ts';
import { parseFormBody } from './form-body.ts';

export const formMediaType = 'application/x-www-form-urlencoded';

export interface BodyOptions {
  /** Also accept a form-encoded body in Stripe's bracket syntax. */
  form?: boolean;
  /** How parameter paths are named in errors; see `paramStyleOf`. */
  style?: ParamStyle;
}

/**
 * Parses a JSON (or, where allowed, form-encoded) request body with a zod schema; the first
 * problem names its parameter.
 */
export function parseJsonBody<T extends z.ZodType>(
  request: Request,
  schema: T,
  options: BodyOptions = {},
): z.infer<T> {
  const style = options.style ?? 'dotted';
  const hasBody =
    request.headers['content-length'] !== '0' &&
    (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined);
  const isForm = options.form === true && hasBody && request.is(formMediaType) !== false;
  if (hasBody && !isForm && !request.is('application/json')) {
    throw new UnsupportedMediaType(request.headers['content-type'], options.form === true);
  }
  const body: unknown = isForm
    ? parseFormBody(typeof request.body === 'string' ? request.body : '')
    : request.body === undefined
      ? {}
      : request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidParameter('body', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.length > 0 ? nestedParam(issue, style) : issueParam(issue);
    throw new InvalidParameter(param || 'body', describeIssue(issue, style));
  }
  return result.data;
}

/**
 * Parses query parameters with a zod schema. Express's simple parser gives flat names
 * (`created[gte]`) and strings, or arrays when a name repeats; the first problem names its
 * parameter.
 */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const result = schema.safeParse({ ...request.query });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new UnknownParameter(issue.keys[0]!, `Unknown query parameter(s): ${issue.keys.join(', ')}.`);
  }
  const param = issue.path.join('.') || 'query';
  if (issue.code === 'invalid_type' && Array.isArray(issue.input)) {
    throw new InvalidParameter(param, `The query parameter '${param}' may be given only once.`);
  }
  throw new InvalidParameter(param, `${param}: ${issue.message}`);
}

/** Parses path parameters (`/{id}`) with a zod schema; the first problem names its parameter. */
export function parseParams<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const result = schema.safeParse({ ...request.params });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.join('.') || 'path';
  throw new InvalidParameter(param, `${param}: ${issue.message}`);
}

/**
 * `query.filters[2].field`: indices in brackets, as a caller would write the path; an unknown
 * key inside an object is named after its object's path.
 */
function nestedParam(issue: z.core.$ZodIssue, style: ParamStyle): string {
  return issue.code === 'unrecognized_keys'
    ? formatPath([...issue.path, issue.keys[0]!], style)
    : formatPath(issue.path, style);
}

/** `query.filters[2].field`, or in Stripe's spelling `parameters[columns][0]`. */
export function formatPath(path: readonly PropertyKey[], style: ParamStyle = 'dotted'): string {
  return path.reduce<string>(
    (out, segment) =>
      typeof segment === 'number' || (style === 'brackets' && out)
        ? `${out}[${String(segment)}]`
        : out
          ? `${out}.${String(segment)}`
          : String(segment),
    '',
  );
}

function issueParam(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return '';
}

function describeIssue(issue: z.core.$ZodIssue, style: ParamStyle): string {
  const where = issue.path.length > 0 ? formatPath(issue.path, style) : 'body';
  if (issue.code === 'unrecognized_keys') {
    return issue.path.length > 0
      ? `${where} has unknown parameter(s): ${issue.keys.map((key) => formatPath([...issue.path, key], style)).join(', ')}.`
      : `Unknown parameter(s): ${issue.keys.join(', ')}.`;
  }
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return `The parameter '${where}' is required.`;
  return `${where}: ${issue.message}`;
}
