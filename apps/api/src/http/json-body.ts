import type { IncomingMessage } from 'node:http';
import express from 'express';
import { DomainError } from '@reportrun/core';

/**
 * JSON bodies. The raw text is checked in one linear pass before `JSON.parse` builds anything:
 * nesting deeper than `maxJsonDepth` is refused (a 6,000-deep body would otherwise overflow the
 * stack of every recursive walk after parsing, from the idempotency fingerprint to zod), and so
 * are `\u0000` escapes and lone surrogate escapes, which no Postgres text or jsonb can hold.
 * Every JSON body, on every route, passes here.
 */

/** The deepest nesting of objects and arrays a request body may have; documented in the README. */
export const maxJsonDepth = 32;

export class BodyTooDeep extends DomainError {
  constructor() {
    super('body_too_deep', 400, 'Body nested too deeply', {
      detail: `JSON bodies may nest objects and arrays at most ${maxJsonDepth} levels deep.`,
      extensions: { param: 'body' },
    });
  }
}

export class BodyTextInvalid extends DomainError {
  constructor(problem: string) {
    super('invalid_text', 400, 'Invalid text', {
      detail: `A string in the body ${problem}.`,
      extensions: { param: 'body' },
    });
  }
}

const backslash = 0x5c;
const quote = 0x22;

function hexAt(text: string, index: number): number {
  const digits = text.slice(index, index + 4);
  return /^[0-9a-fA-F]{4}$/.test(digits) ? Number.parseInt(digits, 16) : -1;
}

/**
 * Throws when the JSON text nests too deeply or escapes NUL or a lone surrogate. Malformed
 * JSON is left for `JSON.parse` to report.
 */
export function checkJsonText(text: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === quote) inString = false;
      else if (code === backslash) {
        const next = text.charCodeAt(index + 1);
        if (next === 0x75 /* u */) {
          const unit = hexAt(text, index + 2);
          if (unit === 0) throw new BodyTextInvalid('must not contain NUL characters');
          if (unit >= 0xd800 && unit <= 0xdbff) {
            const low = text.slice(index + 6, index + 8) === '\\u' ? hexAt(text, index + 8) : -1;
            if (low < 0xdc00 || low > 0xdfff) throw new BodyTextInvalid('must be valid Unicode text');
            index += 6;
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            throw new BodyTextInvalid('must be valid Unicode text');
          }
          index += 5;
        } else {
          index += 1;
        }
      }
      continue;
    }
    if (code === quote) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > maxJsonDepth) throw new BodyTooDeep();
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
}

/** The body as body-parser will read it; a charset it could read but this check cannot is refused. */
function decodeBody(body: Buffer, encoding: string): string {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding);
  } catch {
    throw new DomainError('unsupported_charset', 415, 'Unsupported charset', { detail: 'Send the body as UTF-8.' });
  }
  return decoder.decode(body);
}

/** `express.json` with the text check above run before parsing. */
export function jsonBodyParser() {
  return express.json({
    limit: '64kb',
    // Not strict: a body of `null` or `3` is valid JSON and deserves "must be an object", not
    // "malformed JSON".
    strict: false,
    type: ['application/json', 'application/*+json'],
    verify: (_request: IncomingMessage, _response, body: Buffer, encoding: string) => {
      checkJsonText(decodeBody(body, encoding));
    },
  });
}
