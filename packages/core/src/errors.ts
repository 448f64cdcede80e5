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

export class RunNotCancelable extends DomainError {
  constructor(runId: string, status: string) {
    super('run_not_cancelable', 409, 'Run cannot be canceled', {
      detail: `The run ${runId} already ${status === 'canceled' ? 'was canceled' : status}; only a running run can be canceled.`,
      extensions: { run_status: status },
      allowedActions: [
        {
          rel: 'self',
          href: `/v2/reporting/report_runs/${runId}`,
          method: 'GET',
          operation_id: 'getReportRun',
          hint: 'Read the run to see its result or failure.',
        },
        {
          rel: 'create',
          href: '/v2/reporting/report_runs',
          method: 'POST',
          operation_id: 'createReportRun',
          hint: 'Create a new run with the same report and parameters to run it again.',
        },
      ],
    });
  }
}

/** One Idempotency-Key, two different requests: a client bug, not a retry, so it is refused. */
export class IdempotencyKeyReused extends DomainError {
  constructor(key: string, original: { method: string; path: string }, keptHours: number) {
    super('idempotency_key_reused', 422, 'Idempotency key reused', {
      detail:
        `The Idempotency-Key '${key}' was used in the last ${keptHours} hours for a different request ` +
        `(${original.method} ${original.path} with another body). A key names exactly one request.`,
      extensions: { param: 'Idempotency-Key' },
      allowedActions: [
        { rel: 'retry-with-new-key', hint: 'Send this request with a new, unique Idempotency-Key.' },
        {
          rel: 'replay-original',
          method: original.method,
          href: original.path,
          hint: 'Send the original request again with this key to get its stored response.',
        },
      ],
    });
  }
}

/** Another request with the same Idempotency-Key is still being handled. */
export class IdempotencyRequestInProgress extends DomainError {
  constructor(key: string, retryAfterSeconds = 1) {
    super('idempotency_request_in_progress', 409, 'Request in progress', {
      detail: `A request with the Idempotency-Key '${key}' is still being processed.`,
      retryAfterSeconds,
      allowedActions: [
        {
          rel: 'retry-later',
          hint: `Retry the same request with the same key in ${retryAfterSeconds} second(s) to get its response.`,
        },
      ],
    });
  }
}

/** The API key used up its request budget for the current window. */
export class RateLimited extends DomainError {
  constructor(limitPerMinute: number, retryAfterSeconds: number) {
    super('rate_limited', 429, 'Too many requests', {
      detail: `This API key may make ${limitPerMinute} requests per minute.`,
      retryAfterSeconds,
      allowedActions: [{ rel: 'retry-later', hint: `Retry in ${retryAfterSeconds} second(s).` }],
    });
  }
}
