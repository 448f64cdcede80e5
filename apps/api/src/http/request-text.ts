import type { NextFunction, Request, Response } from 'express';
import { InvalidParameter, textProblem } from '@reportrun/core';
import { InvalidPercentEncoding } from './errors.ts';

/**
 * The path and query string, checked before any route sees them. Express decodes path
 * parameters with `decodeURIComponent` (a malformed `%E0%A4%A` or a non-UTF-8 `%ff` throws) and
 * the query parser quietly turns bad escapes into U+FFFD; neither may reach a handler or the
 * database. Every path segment and every query name and value must be well-formed
 * percent-encoded UTF-8 and, decoded, free of NUL (which no Postgres text can hold) — so every
 * route, present and future, gets the same guarantee without checking its own parameters.
 * Other control characters are left to each parameter's schema: an id with a line break in it
 * is simply not found.
 */

/** `decodeURIComponent` that reports failure instead of throwing. */
function strictDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

export function checkPathSegments(path: string): void {
  for (const segment of path.split('/')) {
    if (!segment.includes('%')) {
      // Raw bytes above ASCII never arrive here (Node refuses them in the request line), so
      // a segment without escapes can only hold printable ASCII.
      continue;
    }
    const decoded = strictDecode(segment);
    if (decoded === undefined) throw new InvalidPercentEncoding('path', 'path');
    const problem = textProblem(decoded, { allowControl: true });
    if (problem) throw new InvalidParameter('path', `A path segment ${problem}.`);
  }
}

export function checkQueryString(query: string): void {
  if (query === '') return;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    const name = strictDecode(rawName.replaceAll('+', ' '));
    if (name === undefined) throw new InvalidPercentEncoding('query', rawName.slice(0, 100));
    const value = strictDecode(rawValue.replaceAll('+', ' '));
    if (value === undefined) throw new InvalidPercentEncoding('query', name.slice(0, 100));
    const nameProblem = textProblem(name, { allowControl: true });
    if (nameProblem) throw new InvalidParameter('query', `A query parameter name ${nameProblem}.`);
    const valueProblem = textProblem(value, { allowControl: true });
    if (valueProblem) throw new InvalidParameter(name, `${name} ${valueProblem}.`);
  }
}

/** Express middleware: refuses undecodable paths and query strings, and NUL in them. */
export function requireDecodablePathAndQuery() {
  return (request: Request, _response: Response, next: NextFunction) => {
    const url = request.url;
    const queryStart = url.indexOf('?');
    checkPathSegments(queryStart === -1 ? url : url.slice(0, queryStart));
    if (queryStart !== -1) checkQueryString(url.slice(queryStart + 1));
    next();
  };
}
