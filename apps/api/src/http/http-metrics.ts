import type { RequestHandler } from 'express';
import type { ReportRunMetrics } from '@reportrun/observability';
import { routeTemplateOf } from './request-log.ts';

/** Times every request into `reportrun_http_request_duration_seconds` by method, route template and status. */
export function recordRequestDuration(metrics: ReportRunMetrics): RequestHandler {
  return (request, response, next) => {
    const stopTimer = metrics.httpRequestDuration.startTimer();
    response.once('finish', () => {
      stopTimer({
        method: request.method,
        route: routeTemplateOf(request),
        status: String(response.statusCode),
      });
    });
    next();
  };
}
