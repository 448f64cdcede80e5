import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '@reportrun/config';
import { apiPaths, DomainError, problemTypePath, ServiceNotReady } from '@reportrun/core';
import { metricsContentType, type ReportRunMetrics } from './metrics.ts';
import type { Readiness } from './readiness.ts';

/** Where Prometheus scrapes, on the API and on every listener. */
export const metricsPath = '/metrics';

export interface ProbeListenerOptions {
  host: string;
  /** 0 picks a free port; `url` then says which. */
  port: number;
  metrics: ReportRunMetrics;
  readiness: Readiness;
  logger: Logger;
}

export interface ProbeListener {
  url: string;
  close(): Promise<void>;
}

/**
 * The worker's and the scheduler's only HTTP surface: liveness, readiness and metrics for the
 * orchestrator and Prometheus. Plain node:http rather than the API's Express app, because these
 * processes serve nothing else.
 */
export async function startProbeListener(options: ProbeListenerOptions): Promise<ProbeListener> {
  const handle = probeRequestHandler(options);
  const server = createServer((request, response) => {
    void handle(request, response).then((served) => {
      if (!served)
        sendJson(
          response,
          404,
          problemOf(
            new DomainError('route_not_found', 404, 'Route not found', {
              detail: `There is no route for ${request.method} ${pathOf(request)}.`,
            }),
          ),
          'application/problem+json',
        );
    });
  });
  // A scrape or probe is one short request; idle keep-alive sockets would only hold close() up.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Answers GET /livez, /readyz and /metrics; resolves false for any other request. */
function probeRequestHandler(options: Pick<ProbeListenerOptions, 'metrics' | 'readiness' | 'logger'>) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = pathOf(request);
    try {
      if (path === apiPaths.live) {
        sendJson(response, 200, { status: 'ok' });
      } else if (path === apiPaths.ready) {
        const report = await options.readiness.check();
        if (report.ready) sendJson(response, 200, { status: 'ready', checks: report.checks });
        else sendJson(response, 503, problemOf(new ServiceNotReady(report)), 'application/problem+json');
      } else if (path === metricsPath) {
        await sendMetrics(options.metrics, response);
      } else {
        return false;
      }
    } catch (error) {
      options.logger.error({ err: error, path }, 'probe listener could not answer');
      if (!response.headersSent)
        sendJson(
          response,
          500,
          problemOf(new DomainError('internal_error', 500, 'Internal error')),
          'application/problem+json',
        );
    }
    return true;
  };
}

/** Writes the registry in Prometheus' text format. */
export async function sendMetrics(metrics: ReportRunMetrics, response: ServerResponse): Promise<void> {
  const text = await metrics.registry.metrics();
  response.writeHead(200, { 'content-type': metricsContentType, 'cache-control': 'no-store' });
  response.end(text);
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0]!;
}

/** The same RFC 9457 shape the API answers with (apps/api's toProblem), for the listener's few errors. */
function problemOf(error: DomainError): Record<string, unknown> {
  return {
    type: problemTypePath(error.code),
    title: error.title,
    status: error.status,
    ...(error.detail ? { detail: error.detail } : {}),
    code: error.code,
    ...(error.retryAfterSeconds !== undefined ? { retry_after_seconds: error.retryAfterSeconds } : {}),
    ...error.extensions,
  };
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
): void {
  const headers: Record<string, string> = { 'content-type': contentType, 'cache-control': 'no-store' };
  const retryAfter = (body as { retry_after_seconds?: unknown }).retry_after_seconds;
  if (typeof retryAfter === 'number') headers['retry-after'] = String(retryAfter);
  response.writeHead(status, headers);
  response.end(JSON.stringify(body));
}
