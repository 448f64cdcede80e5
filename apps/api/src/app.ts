import express from 'express';
import { metricsPath, sendMetrics } from '@reportrun/observability';
import { requireApiKey } from './http/auth.ts';
import { RouteNotFound } from './http/errors.ts';
import { dashboardPages } from './http/dashboard-pages.ts';
import { docsPages } from './http/docs-pages.ts';
import { jsonBodyParser } from './http/json-body.ts';
import { requireDecodablePathAndQuery } from './http/request-text.ts';
import { releaseIdempotencyKeyOnError } from './http/idempotency.ts';
import { problemErrorHandler } from './http/problem.ts';
import { rateLimitPerApiKey } from './http/rate-limit.ts';
import { routerFor } from './http/route.ts';
import { formMediaType } from './http/validate.ts';
import { recordRequestDuration } from './http/http-metrics.ts';
import { requestLog } from './http/request-log.ts';
import type { ApiDependencies } from './dependencies.ts';
import { apiRoutes } from './routes/index.ts';

export function createApp(deps: ApiDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // First, so every request is logged and timed, including those refused before routing.
  app.use(requestLog(deps.logger));
  app.use(recordRequestDuration(deps.metrics));
  app.use(requireDecodablePathAndQuery());
  app.use(jsonBodyParser());
  // Form bodies stay text here; routes that accept them parse Stripe's bracket syntax strictly.
  app.use(express.text({ type: formMediaType, limit: '64kb' }));

  // Health, the document, its rendered pages and the dashboard's files answer without a key, before authentication
  // and rate limiting.
  app.use(docsPages());
  app.use(dashboardPages());
  // Prometheus' text format, not an API operation, so it is not in the OpenAPI document (a page
  // like the docs pages, mounted the same way). Scraped without a key: keep it off the public
  // ingress (docs/operations.md).
  app.use((request, response, next) => {
    if (request.method !== 'GET' || request.path !== metricsPath) return next();
    sendMetrics(deps.metrics, response).catch(next);
  });
  app.use(
    routerFor(
      apiRoutes.filter((route) => route.public),
      deps,
    ),
  );

  app.use(requireApiKey(deps.apiKeys));
  app.use(
    rateLimitPerApiKey({
      redis: deps.redis,
      keyPrefix: deps.config.QUEUE_PREFIX,
      limitPerMinute: deps.config.RATE_LIMIT_PER_MINUTE,
      timeoutMs: deps.config.RATE_LIMIT_TIMEOUT_MS,
      logger: deps.logger,
    }),
  );
  app.use(
    routerFor(
      apiRoutes.filter((route) => !route.public),
      deps,
    ),
  );

  app.use((request) => {
    throw new RouteNotFound(request.method, request.path);
  });
  app.use(releaseIdempotencyKeyOnError());
  app.use(problemErrorHandler(deps.logger));
  return app;
}
