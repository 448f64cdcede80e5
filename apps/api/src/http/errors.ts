import { DomainError } from '@reportrun/core';

/**
 * The errors only HTTP can raise: routing, media types, body transport, percent-encoding. Domain
 * errors live in `@reportrun/core`; both become problem+json in `problemErrorHandler`.
 */

export class RouteNotFound extends DomainError {
  constructor(method: string, path: string) {
    super('route_not_found', 404, 'Route not found', {
      detail: `There is no route for ${method} ${path}.`,
    });
  }
}

export class UnsupportedMediaType extends DomainError {
  constructor(received: string | undefined, formAccepted = false) {
    super('unsupported_media_type', 415, 'Unsupported media type', {
      detail: `Send the request body as application/json${formAccepted ? ' or application/x-www-form-urlencoded' : ''}${received ? `, not ${received}` : ''}.`,
    });
  }
}

export class UnsupportedCharset extends DomainError {
  constructor() {
    super('unsupported_charset', 415, 'Unsupported charset', { detail: 'Send the body as UTF-8.' });
  }
}

export class UnsupportedContentEncoding extends DomainError {
  constructor() {
    super('unsupported_encoding', 415, 'Unsupported content encoding', {
      detail: 'Send the body uncompressed or gzip/deflate encoded.',
    });
  }
}

export class MalformedJson extends DomainError {
  constructor() {
    super('invalid_json', 400, 'Malformed JSON', { detail: 'The request body is not valid JSON.' });
  }
}

export class PayloadTooLarge extends DomainError {
  constructor() {
    super('payload_too_large', 413, 'Payload too large', {
      detail: 'The request body is larger than the limit.',
    });
  }
}

export class RequestAborted extends DomainError {
  constructor() {
    super('request_aborted', 400, 'Request aborted', {
      detail: 'The client closed the request before its body arrived.',
    });
  }
}

export class InvalidBodyLength extends DomainError {
  constructor() {
    super('invalid_body_length', 400, 'Invalid body length', {
      detail: 'The body length does not match Content-Length.',
    });
  }
}

export class BodyTooDeep extends DomainError {
  constructor(maxDepth: number) {
    super('body_too_deep', 400, 'Body nested too deeply', {
      detail: `JSON bodies may nest objects and arrays at most ${maxDepth} levels deep.`,
      extensions: { param: 'body' },
    });
  }
}

export class InvalidPercentEncoding extends DomainError {
  constructor(where: 'path' | 'query', param: string) {
    super(`invalid_${where}_encoding`, 400, 'Invalid percent-encoding', {
      detail:
        where === 'path'
          ? 'A path segment is not valid percent-encoded UTF-8.'
          : `The query parameter '${param}' is not valid percent-encoded UTF-8.`,
      extensions: { param },
    });
  }
}

/**
 * A value the database refused as data (SQLSTATE class 22: out of range, NUL in text, bad
 * date). Input checks should refuse such values first; this is the net under them, so a value
 * that slips through is still the caller's 400, not our 500.
 */
export class ValueNotStorable extends DomainError {
  constructor(sqlState: string) {
    super('invalid_value', 400, 'Invalid value', {
      detail: 'A value in the request is out of range or not valid text, so it cannot be stored or compared.',
      extensions: { sqlstate: sqlState },
    });
  }
}

/** A 4xx that Express or a parser raised and marked safe to show, without a code of its own. */
export class BadRequest extends DomainError {
  constructor(status: number, message: string) {
    super('bad_request', status, 'Bad request', { detail: message });
  }
}

export class InternalError extends DomainError {
  constructor() {
    super('internal_error', 500, 'Internal server error', {
      detail: 'Something went wrong on our side; the request may be retried.',
    });
  }
}
