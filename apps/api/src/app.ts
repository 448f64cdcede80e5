import express from 'express';
import { openApiDocument } from './openapi.ts';
import { requireApiKey } from './http/auth.ts';
import { problemErrorHandler, RouteNotFound } from './http/problem.ts';
import type { ApiDependencies } from './dependencies.ts';
import { reportRunsRouter } from './routes/report-runs.ts';

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
  app.use(reportRunsRouter(deps));

  app.use((request) => {
    throw new RouteNotFound(request.method, request.path);
  });
  app.use(problemErrorHandler(deps.logger));
  return app;
}
