import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '@reportrun/config';

export const requestIdHeader = 'x-request-id';

/** A caller's request id is kept when it is a plausible id (a UUID, a trace id), never arbitrary text in our logs. */
const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Query parameters whose values are credentials: presigned URLs' signatures, keys, tokens. */
const secretParameter = /signature|credential|security-token|token|secret|key|password/i;

/**
 * The URL as it may be logged: the values of credential-like query parameters (X-Amz-Signature,
 * X-Amz-Credential, an `api_key`) are replaced, so a presigned URL or a key sent in a query
 * string never reaches a log line.
 */
export function loggableUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0]!;
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed name is logged as sent; only its value could be secret.
      }
      return secretParameter.test(decoded) && pair.includes('=') ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, queryAt)}?${query.join('&')}`;
}

/** The route template that answered (`/v2/reporting/report_runs/:id`), never the raw path. */
export function routeTemplateOf(request: IncomingMessage): string {
  const route = (request as Request).route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${(request as Request).baseUrl ?? ''}${route.path}` : 'unrouted';
}

/**
 * One log line per request, with a request id echoed in `X-Request-Id`. Only an allow-list of
 * request fields is logged: no headers (Authorization, API keys, Idempotency-Key values) and no
 * response headers (a 302's Location is a presigned URL).
 */
export function requestLog(logger: Logger): RequestHandler {
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    genReqId(request, response) {
      const incoming = request.headers[requestIdHeader];
      const id = typeof incoming === 'string' && saneRequestId.test(incoming) ? incoming : randomUUID();
      response.setHeader(requestIdHeader, id);
      return id;
    },
    serializers: {
      req: (request: { id: unknown; method: string; url: string; headers: Record<string, unknown> }) => ({
        id: request.id,
        method: request.method,
        url: loggableUrl(request.url),
        userAgent: request.headers['user-agent'],
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
    },
    customSuccessObject: (request, _response, fields) => ({ ...fields, route: routeTemplateOf(request) }),
    customErrorObject: (request, _response, _error, fields) => ({
      ...fields,
      route: routeTemplateOf(request),
    }),
    // A 5xx is ours to look at (the problem handler logs its cause); a 4xx is the caller's mistake.
    customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : 'info'),
  }) as unknown as RequestHandler;
}
