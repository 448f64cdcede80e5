import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from '@reportrun/config';
import { DomainError, ServiceUnavailable, problemTypePath } from '@reportrun/core';
import type { Problem, StripeV1Error } from '@reportrun/core';
import { errorEnvelopeOf, requestPathOf } from './faces.ts';
import {
  BadRequest,
  InternalError,
  InvalidBodyLength,
  InvalidPercentEncoding,
  MalformedJson,
  PayloadTooLarge,
  RequestAborted,
  UnsupportedCharset,
  UnsupportedContentEncoding,
  ValueNotStorable,
} from './errors.ts';

export const problemContentType = 'application/problem+json';

export function toProblem(error: DomainError, instance: string): Problem {
  return {
    // Relative, so it resolves against whatever host the client reached the API on.
    type: problemTypePath(error.code),
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

/**
 * Stripe's v1 envelope for the same problem. Stripe's SDKs pick their error class from `type`
 * and the HTTP status (401 authentication, 404 and 400 invalid request, 429 rate limit), so the
 * status stays the problem's and only the body changes.
 */
export function toStripeV1Error(problem: Problem): StripeV1Error {
  const type = problem.code.startsWith('idempotency_')
    ? 'idempotency_error'
    : problem.status >= 500
      ? 'api_error'
      : 'invalid_request_error';
  return {
    error: {
      type,
      code: problem.code,
      message: problem.detail ?? problem.title,
      ...(typeof problem.param === 'string' ? { param: problem.param } : {}),
      doc_url: problem.type,
    },
  };
}

/** Sends the problem in the envelope of the request's face (see `errorEnvelopeOf`). */
export function sendProblem(response: Response, problem: Problem): void {
  if (problem.retry_after_seconds !== undefined) {
    response.setHeader('Retry-After', String(problem.retry_after_seconds));
  }
  if (errorEnvelopeOf(requestPathOf(response.req.originalUrl)) === 'stripe_v1') {
    response.status(problem.status).type('application/json').send(JSON.stringify(toStripeV1Error(problem)));
    return;
  }
  response.status(problem.status).type(problemContentType).send(JSON.stringify(problem));
}

/** body-parser reports its failures as errors with a `type`; each has its own error. */
const bodyParserErrors: Record<string, () => DomainError> = {
  'entity.parse.failed': () => new MalformedJson(),
  'entity.too.large': () => new PayloadTooLarge(),
  'charset.unsupported': () => new UnsupportedCharset(),
  'encoding.unsupported': () => new UnsupportedContentEncoding(),
  'request.aborted': () => new RequestAborted(),
  'request.size.invalid': () => new InvalidBodyLength(),
};

/** The error and the errors behind it (`cause`), a few hops deep: drivers wrap what they saw. */
function* causeChain(error: unknown): Generator<object> {
  for (let current: unknown = error, hops = 0; current && typeof current === 'object' && hops < 5; hops += 1) {
    yield current;
    current = Reflect.get(current, 'cause');
  }
}

/**
 * The SQLSTATE of a Postgres error, from node-postgres (`code`) or from Prisma's driver adapter
 * (`meta.driverAdapterError.cause.originalCode`), looking through `cause` chains.
 */
export function postgresSqlState(error: unknown): string | undefined {
  for (const current of causeChain(error)) {
    const meta: unknown = Reflect.get(current, 'meta');
    const adapterCause: unknown =
      meta && typeof meta === 'object'
        ? Reflect.get(Reflect.get(meta, 'driverAdapterError') ?? {}, 'cause')
        : undefined;
    const original: unknown =
      adapterCause && typeof adapterCause === 'object'
        ? Reflect.get(adapterCause, 'originalCode')
        : undefined;
    if (typeof original === 'string' && /^[0-9A-Z]{5}$/.test(original)) return original;
    // Prisma's own codes (P1xxx–P6xxx) have the same shape as a SQLSTATE but are not one.
    const code: unknown = Reflect.get(current, 'code');
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^P[1-9]/.test(code)) return code;
  }
  return undefined;
}

/** Socket-level failures: the database (or the network to it) is not there. */
const unreachableErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Prisma's codes for the same: cannot reach the server, it closed the connection, no connection from the pool in time. */
const unreachablePrismaCodes = new Set(['P1001', 'P1002', 'P1017', 'P2024']);

/**
 * Whether an error means the database cannot be reached right now, rather than that a request
 * or the code was wrong: refused or lost connections, a pool that cannot connect in time, a
 * server shutting down, restarting or out of connections (SQLSTATE 08xxx, 57P01–57P03, 53300).
 * Such a request is worth retrying, so it is answered 503 with Retry-After, not 500.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  const sqlState = postgresSqlState(error);
  if (sqlState && (sqlState.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(sqlState))) return true;
  for (const current of causeChain(error)) {
    const code: unknown = Reflect.get(current, 'code');
    if (typeof code === 'string' && (unreachableErrnos.has(code) || unreachablePrismaCodes.has(code))) return true;
    const message: unknown = Reflect.get(current, 'message');
    // node-postgres says these in words only.
    if (typeof message === 'string' && /^(Connection terminated|timeout exceeded when trying to connect)/.test(message)) return true;
  }
  return false;
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
      sendProblem(response, toProblem(known(), instance));
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
      logger.warn(
        { err: error, sqlState, method: request.method, path: request.path },
        'database refused a request value',
      );
      sendProblem(response, toProblem(new ValueNotStorable(sqlState), instance));
      return;
    }
    if (isDatabaseUnreachable(error)) {
      logger.warn({ err: error, method: request.method, path: request.path }, 'database unreachable');
      sendProblem(response, toProblem(new ServiceUnavailable('The database cannot be reached right now.', 5), instance));
      return;
    }
    if (parserError.status && parserError.status >= 400 && parserError.status < 500 && parserError.expose) {
      sendProblem(
        response,
        toProblem(new BadRequest(parserError.status, String((error as Error).message)), instance),
      );
      return;
    }
    logger.error({ err: error, method: request.method, path: request.path }, 'unhandled error');
    sendProblem(response, toProblem(new InternalError(), instance));
  };
}
