import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import { RouteNotFound } from './errors.ts';

/**
 * The dashboard (packages/dashboard) as static files under `/dashboard`: the page, its script
 * and its stylesheet, built by `pnpm build` (turbo builds it before the API). It is a page, not
 * an API operation, so it is not in the OpenAPI document; it answers without a key because the
 * key is typed into it and kept in the browser tab.
 */
export const dashboardPath = '/dashboard';

function dashboardDirectory(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@reportrun/dashboard/package.json')), 'dist');
}

// The page runs only its own script and style and talks only to this origin, so an injected
// script could not run and read the key from session storage; it never renders inside a frame.
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function dashboardPages(): RequestHandler {
  const directory = dashboardDirectory();
  const router = Router();
  router.use(dashboardPath, (request, response, next) => {
    response.setHeader('Content-Security-Policy', contentSecurityPolicy);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    if (!existsSync(join(directory, 'index.html'))) {
      response
        .status(503)
        .type('text/plain')
        .send('The dashboard is not built: run `pnpm build` (or `pnpm --filter @reportrun/dashboard build`).\n');
      return;
    }
    // Relative asset links need the trailing slash.
    if (request.method === 'GET' && request.originalUrl === dashboardPath) {
      response.redirect(301, `${dashboardPath}/`);
      return;
    }
    next();
  });
  // Unhashed file names: the browser revalidates each load, so a new build is seen at once.
  router.use(dashboardPath, express.static(directory, { index: 'index.html', cacheControl: true, maxAge: 0 }));
  // A file the dashboard does not have is not found, rather than asked for an API key.
  router.use(dashboardPath, (request) => {
    throw new RouteNotFound(request.method, request.originalUrl);
  });
  return router;
}
