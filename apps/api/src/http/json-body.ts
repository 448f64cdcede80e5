import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { InvalidParameter, textProblem } from '@reportrun/core';
import { BodyTooDeep, UnsupportedCharset } from './errors.ts';

/**
 * JSON bodies, on every route. The raw text is checked in one linear pass before `JSON.parse`
 * builds anything: nesting deeper than `maxJsonDepth` is refused, since a 6,000-deep body would
 * otherwise overflow the stack of every recursive walk after parsing, from the idempotency
 * fingerprint to zod. Once parsed, one iterative walk refuses NUL and lone surrogates in any key
 * or string, which no Postgres text or jsonb can hold, naming where they are
 * (`query.filters[0].value`).
 */

/** The deepest nesting of objects and arrays a request body may have; documented in the README. */
export const maxJsonDepth = 32;

const backslash = 0x5c;
const quote = 0x22;

/** Throws when the JSON text nests too deeply. Malformed JSON is left for `JSON.parse`. */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === quote) inString = false;
      // An escape hides the next character, which may be a quote.
      else if (code === backslash) index += 1;
      continue;
    }
    if (code === quote) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > maxJsonDepth) throw new BodyTooDeep(maxJsonDepth);
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, segment) =>
      typeof segment === 'number' ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment,
    '',
  );
}

/**
 * Throws `parameter_invalid` naming the first key or string that holds NUL or a lone surrogate.
 * Iterative, with the depth already bounded, so no body can exhaust the stack here.
 */
export function checkJsonStrings(body: unknown): void {
  const pending: { value: unknown; path: (string | number)[] }[] = [{ value: body, path: [] }];
  while (pending.length > 0) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value, { allowControl: true });
      if (problem)
        throw new InvalidParameter(
          formatPath(path) || 'body',
          `${formatPath(path) || 'The body'} ${problem}.`,
        );
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push({ value: item, path: [...path, index] }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const problem = textProblem(key, { allowControl: true });
        if (problem)
          throw new InvalidParameter(
            formatPath(path) || 'body',
            `A key in ${formatPath(path) || 'the body'} ${problem}.`,
          );
        pending.push({ value: item, path: [...path, key] });
      }
    }
  }
}

/** The body as body-parser will read it; a charset it could read but this check cannot is refused. */
function decodeBody(body: Buffer, encoding: string): string {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding);
  } catch {
    throw new UnsupportedCharset();
  }
  return decoder.decode(body);
}

/** `express.json` with the depth check before parsing and the string check after. */
export function jsonBodyParser(): RequestHandler[] {
  const parse = express.json({
    limit: '64kb',
    // Not strict: a body of `null` or `3` is valid JSON and deserves "must be an object", not
    // "malformed JSON".
    strict: false,
    type: ['application/json', 'application/*+json'],
    verify: (_request: IncomingMessage, _response, body: Buffer, encoding: string) => {
      checkJsonDepth(decodeBody(body, encoding));
    },
  });
  const checkStrings: RequestHandler = (request, _response, next) => {
    checkJsonStrings(request.body);
    next();
  };
  return [parse, checkStrings];
}
