/**
 * Typed domain errors. Each carries a stable snake_case `code` and the HTTP status it maps to;
 * the API turns them into RFC 9457 problem+json in one place.
 */
export interface AllowedAction {
  rel: string;
  href?: string;
  method?: string;
  operation_id?: string;
  hint?: string;
  schema_ref?: string;
}

export interface DomainErrorOptions {
  detail?: string;
  allowedActions?: AllowedAction[];
  retryAfterSeconds?: number;
  /** Extra members for the problem document, e.g. `param` for an invalid parameter. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly detail: string | undefined;
  readonly allowedActions: AllowedAction[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    options: DomainErrorOptions = {},
  ) {
    super(options.detail ?? title, { cause: options.cause });
    this.name = new.target.name;
    this.detail = options.detail;
    this.allowedActions = options.allowedActions;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
  }
}

export class ResourceNotFound extends DomainError {
  constructor(kind: string, id: string) {
    super(`${kind}_not_found`, 404, `${humanize(kind)} not found`, {
      detail: `No ${kind.replaceAll('_', ' ')} with id '${id}' exists.`,
    });
  }
}

export class InvalidParameter extends DomainError {
  constructor(readonly param: string, detail: string) {
    super('parameter_invalid', 400, 'Invalid parameter', { detail, extensions: { param } });
  }
}

export class UnknownParameter extends DomainError {
  constructor(readonly param: string, detail: string) {
    super('parameter_unknown', 400, 'Unknown parameter', { detail, extensions: { param } });
  }
}

export class MissingParameter extends DomainError {
  constructor(readonly param: string) {
    super('parameter_missing', 400, 'Missing parameter', {
      detail: `The parameter '${param}' is required.`,
      extensions: { param },
    });
  }
}

export class AuthenticationRequired extends DomainError {
  constructor(detail: string, code = 'api_key_missing') {
    super(code, 401, 'Authentication required', { detail });
  }
}

export class ServiceUnavailable extends DomainError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super('service_unavailable', 503, 'Service unavailable', {
      detail,
      retryAfterSeconds,
      allowedActions: [{ rel: 'retry-later', hint: `Retry in ${retryAfterSeconds} seconds.` }],
    });
  }
}

function humanize(snake: string): string {
  const words = snake.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
