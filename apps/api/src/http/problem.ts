import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '@reportrun/config';
import { DomainError } from '@reportrun/core';
import type { Problem } from '@reportrun/core';

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
