import express from 'express';
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
import type { ApiDependencies } from './dependencies.ts';
import { apiRoutes } from './routes/index.ts';

export function createApp(deps: ApiDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(requireDecodablePathAndQuery());
  app.use(jsonBodyParser());
  // Form bodies stay text here; routes that accept them parse Stripe's bracket syntax strictly.
  app.use(express.text({ type: formMediaType, limit: '64kb' }));

  // Health, the document, its rendered pages and the dashboard's files answer without a key, before authentication
  // and rate limiting.
  app.use(docsPages());
  app.use(dashboardPages());
  app.use(
    routerFor(
      apiRoutes.filter((route) => route.public),
      deps,
    ),
  );

  app.use(requireApiKey(deps.prisma, deps.logger));
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
