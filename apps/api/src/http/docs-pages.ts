import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import { apiPaths, problemCatalog, problemTypePath, type ProblemCodePage } from '@reportrun/core';
import { RouteNotFound } from './errors.ts';

/**
 * Documentation served by the API itself, so it works offline and always matches the running
 * version: `/docs` renders `/openapi.json` with Redoc (its standalone bundle, served from here —
 * no CDN), and `/docs/errors/{code}` explains each error code a problem's `type` links to.
 * These are pages, not API operations, so they are not in the OpenAPI document.
 */

const redocBundlePath = '/docs/redoc.standalone.js';
const errorsPath = '/docs/errors';

// Read once: 2 MB that never changes while the process runs.
let redocBundle: Buffer | undefined;
const loadRedocBundle = () =>
  (redocBundle ??= readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js')));

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

/** `code` spans in the catalog's prose become <code>; everything else is escaped text. */
const inlineMarkup = (text: string) =>
  escapeHtml(text).replace(/`([^`]+)`/g, (_match, code: string) => `<code>${code}</code>`);

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ReportRun</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  code { background: #f2f2f2; padding: 0.1em 0.3em; border-radius: 3px; }
  dt { font-weight: 600; margin-top: 0.8rem; }
  a { color: #0b57d0; }
</style>
</head>
<body>
${body}
</body>
</html>
`;

const redocPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ReportRun API</title>
</head>
<body>
<redoc spec-url="${apiPaths.openApi}"></redoc>
<script src="${redocBundlePath}"></script>
</body>
</html>
`;

function codePage(code: string, entry: ProblemCodePage): string {
  const where =
    entry.kind === 'request'
      ? 'Answered as an <code>application/problem+json</code> error with this <code>code</code>.'
      : 'Recorded on a failed run, in <code>status_details.code</code>.';
  return page(
    `${code}: ${entry.title}`,
    `<p><a href="${errorsPath}">All error codes</a> · <a href="/docs">API reference</a></p>
<h1><code>${escapeHtml(code)}</code>: ${escapeHtml(entry.title)}</h1>
<p>${where}</p>
<h2>What happened</h2>
<p>${inlineMarkup(entry.meaning)}</p>
<h2>What to do</h2>
<p>${inlineMarkup(entry.remedy)}</p>`,
  );
}

function indexPage(): string {
  const list = (kind: ProblemCodePage['kind']) =>
    Object.entries(problemCatalog)
      .filter(([, entry]) => entry.kind === kind)
      .map(
        ([code, entry]) =>
          `<dt><a href="${problemTypePath(code)}"><code>${escapeHtml(code)}</code></a></dt><dd>${escapeHtml(entry.title)}</dd>`,
      )
      .join('\n');
  return page(
    'Error codes',
    `<p><a href="/docs">API reference</a></p>
<h1>Error codes</h1>
<p>Every error response is RFC 9457 <code>application/problem+json</code> whose <code>type</code> links here.</p>
<h2>Request errors</h2>
<dl>${list('request')}</dl>
<h2>Why a run failed</h2>
<dl>${list('run')}</dl>`,
  );
}

export function docsPages(): RequestHandler {
  return (request, response, next) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const path = request.path;
    if (path === '/docs' || path === '/docs/') {
      response.type('html').send(redocPage);
      return;
    }
    if (path === redocBundlePath) {
      response.type('application/javascript').setHeader('Cache-Control', 'public, max-age=86400');
      response.send(loadRedocBundle());
      return;
    }
    if (path === errorsPath || path === `${errorsPath}/`) {
      response.type('html').send(indexPage());
      return;
    }
    if (path.startsWith(`${errorsPath}/`)) {
      const code = path.slice(errorsPath.length + 1);
      const entry = Object.hasOwn(problemCatalog, code) ? problemCatalog[code] : undefined;
      if (entry) {
        response.type('html').send(codePage(code, entry));
        return;
      }
    }
    // Pages need no key, so a page that does not exist is a 404, not a demand for one.
    if (path.startsWith('/docs/')) throw new RouteNotFound(request.method, path);
    next();
  };
}
