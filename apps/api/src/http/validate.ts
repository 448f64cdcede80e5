import type { Request } from 'express';
import type { z } from 'zod';
import { DomainError, InvalidParameter } from '@reportrun/core';

export class UnsupportedMediaType extends DomainError {
  constructor(received: string | undefined) {
    super('unsupported_media_type', 415, 'Unsupported media type', {
      detail: `Send the request body as application/json${received ? `, not ${received}` : ''}.`,
    });
  }
}

/** Parses a JSON request body with a zod schema; the first problem names its parameter. */
export function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const hasBody = request.headers['content-length'] !== '0' && (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined);
  if (hasBody && !request.is('application/json')) {
    throw new UnsupportedMediaType(request.headers['content-type']);
  }
  const body: unknown = request.body === undefined ? {} : request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidParameter('body', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const param = issue.path.length > 0 ? issue.path.join('.') : issueParam(issue);
    throw new InvalidParameter(param || 'body', describeIssue(issue));
  }
  return result.data;
}

function issueParam(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return '';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
  if (issue.code === 'unrecognized_keys') return `Unknown parameter(s): ${issue.keys.join(', ')}.`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `The parameter '${where}' is required.`;
  return `${where}: ${issue.message}`;
}
