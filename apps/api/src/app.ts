import express from 'express';
import { openApiDocument } from './openapi.ts';
import { requireApiKey } from './http/auth.ts';
import { releaseIdempotencyKeyOnError } from './http/idempotency.ts';
import { problemErrorHandler, RouteNotFound } from './http/problem.ts';
import { rateLimitPerApiKey } from './http/rate-limit.ts';
import type { ApiDependencies } from './dependencies.ts';
import { reportRunsRouter } from './routes/report-runs.ts';
import { reportsRouter } from './routes/reports.ts';
import { savedReportsRouter } from './routes/saved-reports.ts';

export function createApp(deps: ApiDependencies): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Not strict: a body of `null` or `3` is valid JSON and deserves "must be an object", not
  // "malformed JSON".
  app.use(express.json({ limit: '64kb', strict: false, type: ['application/json', 'application/*+json'] }));

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/openapi.json', (_request, response) => {
    response.json(openApiDocument());
  });

  app.use(requireApiKey(deps.prisma));
  app.use(
    rateLimitPerApiKey({
      redis: deps.redis,
      keyPrefix: deps.config.QUEUE_PREFIX,
      limitPerMinute: deps.config.RATE_LIMIT_PER_MINUTE,
      logger: deps.logger,
    }),
  );
  app.use(reportRunsRouter(deps));
  app.use(reportsRouter());
  app.use(savedReportsRouter(deps));

  app.use((request) => {
    throw new RouteNotFound(request.method, request.path);
  });
  app.use(releaseIdempotencyKeyOnError());
  app.use(problemErrorHandler(deps.logger));
  return app;
}
