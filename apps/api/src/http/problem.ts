import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '@reportrun/config';
import { DomainError } from '@reportrun/core';
import type { Problem } from '@reportrun/core';
import { InvalidPercentEncoding } from './request-text.ts';

export const problemContentType = 'application/problem+json';
const typeBase = 'https://docs.reportrun.dev/errors/';

export class RouteNotFound extends DomainError {
  constructor(method: string, path: string) {
    super('route_not_found', 404, 'Route not found', {
      detail: `There is no route for ${method} ${path}.`,
    });
  }
}

export class RequestBodyInvalid extends DomainError {
  constructor(code: string, status: number, title: string, detail: string, param?: string) {
    super(code, status, title, { detail, ...(param ? { extensions: { param } } : {}) });
  }
}

export function toProblem(error: DomainError, instance: string): Problem {
  return {
    type: `${typeBase}${error.code}`,
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    code: error.code,
    instance,
    ...(error.allowedActions ? { allowed_actions: error.allowedActions } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retry_after_seconds: error.retryAfterSeconds } : {}),
    ...error.extensions,
  };
}

export function sendProblem(response: Response, problem: Problem): void {
  if (problem.retry_after_seconds !== undefined) {
    response.setHeader('Retry-After', String(problem.retry_after_seconds));
  }
  response.status(problem.status).type(problemContentType).send(JSON.stringify(problem));
}

/** body-parser reports its failures as errors with a `type`; each gets a stable code. */
const bodyParserErrors: Record<string, { code: string; title: string; detail: string }> = {
  'entity.parse.failed': { code: 'invalid_json', title: 'Malformed JSON', detail: 'The request body is not valid JSON.' },
  'entity.too.large': { code: 'payload_too_large', title: 'Payload too large', detail: 'The request body is larger than the limit.' },
  'charset.unsupported': { code: 'unsupported_charset', title: 'Unsupported charset', detail: 'Send the body as UTF-8.' },
  'encoding.unsupported': { code: 'unsupported_encoding', title: 'Unsupported content encoding', detail: 'Send the body uncompressed or gzip/deflate encoded.' },
  'request.aborted': { code: 'request_aborted', title: 'Request aborted', detail: 'The client closed the request before its body arrived.' },
  'request.size.invalid': { code: 'invalid_body_length', title: 'Invalid body length', detail: 'The body length does not match Content-Length.' },
};

/**
 * The SQLSTATE of a Postgres error, from node-postgres (`code`) or from Prisma's driver adapter
 * (`meta.driverAdapterError.cause.originalCode`), looking through `cause` chains.
 */
export function postgresSqlState(error: unknown): string | undefined {
  for (let current: unknown = error, hops = 0; current && typeof current === 'object' && hops < 5; hops += 1) {
    const meta: unknown = Reflect.get(current, 'meta');
    const adapterCause: unknown =
      meta && typeof meta === 'object'
        ? Reflect.get(Reflect.get(meta, 'driverAdapterError') ?? {}, 'cause')
        : undefined;
    const original: unknown =
      adapterCause && typeof adapterCause === 'object' ? Reflect.get(adapterCause, 'originalCode') : undefined;
    if (typeof original === 'string' && /^[0-9A-Z]{5}$/.test(original)) return original;
    // Prisma's own codes (P1xxx–P6xxx) have the same shape as a SQLSTATE but are not one.
    const code: unknown = Reflect.get(current, 'code');
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code)) return code;
    current = Reflect.get(current, 'cause');
  }
  return undefined;
}

/**
 * A value the database refused as data (SQLSTATE class 22: out of range, NUL in text, bad
 * date). Input checks should refuse such values first; this is the net under them, so a value
 * that slips through is still the caller's 400, not our 500.
 */
export class ValueNotStorable extends DomainError {
  constructor(sqlState: string) {
    super('invalid_value', 400, 'Invalid value', {
      detail: 'A value in the request is out of range or not valid text, so it cannot be stored or compared.',
      extensions: { sqlstate: sqlState },
    });
  }
}

/** The one place errors become HTTP answers: problem+json, never a stack trace. */
export function problemErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const instance = request.originalUrl;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof DomainError) {
      sendProblem(response, toProblem(error, instance));
      return;
    }
    const parserError = error as { type?: string; status?: number; expose?: boolean };
    const known = parserError.type ? bodyParserErrors[parserError.type] : undefined;
    if (known && parserError.status && parserError.status < 500) {
      sendProblem(response, toProblem(new DomainError(known.code, parserError.status, known.title, { detail: known.detail }), instance));
      return;
    }
    if (error instanceof URIError) {
      // Express decodes path parameters itself; the path check before routing should have
      // refused this already.
      sendProblem(response, toProblem(new InvalidPercentEncoding('path', 'path'), instance));
      return;
    }
    const sqlState = postgresSqlState(error);
    if (sqlState?.startsWith('22')) {
      logger.warn({ err: error, sqlState, method: request.method, path: request.path }, 'database refused a request value');
      sendProblem(response, toProblem(new ValueNotStorable(sqlState), instance));
      return;
    }
    if (parserError.status && parserError.status >= 400 && parserError.status < 500 && parserError.expose) {
      sendProblem(response, toProblem(new DomainError('bad_request', parserError.status, 'Bad request', { detail: String((error as Error).message) }), instance));
      return;
    }
    logger.error({ err: error, method: request.method, path: request.path }, 'unhandled error');
    sendProblem(
      response,
      toProblem(new DomainError('internal_error', 500, 'Internal server error', { detail: 'Something went wrong on our side; the request may be retried.' }), instance),
    );
  };
}
