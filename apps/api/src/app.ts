import express from 'express';
import { openApiDocument } from './openapi.ts';
import { requireApiKey } from './http/auth.ts';
import { jsonBodyParser } from './http/json-body.ts';
import { requireDecodablePathAndQuery } from './http/request-text.ts';
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
  app.use(requireDecodablePathAndQuery());
  app.use(jsonBodyParser());

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/openapi.json', (_request, response) => {
    response.json(openApiDocument());
  });

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
