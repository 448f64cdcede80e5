import { apiPaths, pathOf } from './paths.ts';

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
  constructor(
    readonly param: string,
    detail: string,
  ) {
    super('parameter_invalid', 400, 'Invalid parameter', { detail, extensions: { param } });
  }
}

export class UnknownParameter extends DomainError {
  constructor(
    readonly param: string,
    detail: string,
  ) {
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

/**
 * A readiness probe's answer while the process cannot take work: a dependency is unreachable or
 * the process is draining. `checks` names each dependency and what went wrong with it.
 */
export class ServiceNotReady extends DomainError {
  constructor(report: { draining: boolean; checks: Record<string, string> }) {
    const down = Object.entries(report.checks).filter(([, result]) => result !== 'ok').map(([name]) => name);
    const reasons = [...(report.draining ? ['the process is draining'] : []), ...(down.length > 0 ? [`unreachable: ${down.join(', ')}`] : [])];
    super('service_not_ready', 503, 'Not ready', {
      detail: `Not ready: ${reasons.join('; ')}.`,
      retryAfterSeconds: 5,
      extensions: { draining: report.draining, checks: report.checks, down },
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
          href: pathOf(apiPaths.reportRun, runId),
          method: 'GET',
          operation_id: 'getReportRun',
          hint: 'Read the run to see its result or failure.',
        },
        {
          rel: 'create',
          href: apiPaths.reportRuns,
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

// Saved reports run synchronously: what can stop a run from answering.

/** The async path, which has no row cap: where a too-large or too-slow synchronous run points. */
function asyncRunAction(reportId: string): AllowedAction {
  return {
    rel: 'create',
    href: apiPaths.reportRuns,
    method: 'POST',
    operation_id: 'createReportRun',
    hint: `Create a report run with {"report": "${reportId}"}; a worker writes the whole result to a CSV file you download when it succeeds.`,
    schema_ref: '#/components/schemas/CreateReportRunRequest',
  };
}

function lowerLimitAction(reportId: string, maxRows: number): AllowedAction {
  return {
    rel: 'update',
    href: pathOf(apiPaths.savedReport, reportId),
    method: 'PATCH',
    operation_id: 'updateSavedReport',
    hint: `Set query.limit to at most ${maxRows} (or narrow the query) to get the result synchronously.`,
    schema_ref: '#/components/schemas/UpdateSavedReportRequest',
  };
}

/** More rows than a synchronous answer may carry; the request itself was fine. */
export class ResultTooLarge extends DomainError {
  constructor(reportId: string, maxRows: number) {
    super('result_too_large', 422, 'Result too large', {
      detail:
        `The saved report ${reportId} produces more than ${maxRows} rows, the most a synchronous run or ` +
        'export returns. Run it asynchronously instead.',
      extensions: { max_rows: maxRows },
      allowedActions: [asyncRunAction(reportId), lowerLimitAction(reportId, maxRows)],
    });
  }
}

/** The synchronous query outran its statement timeout. */
export class QueryTimeout extends DomainError {
  constructor(reportId: string, timeoutMs: number) {
    super('query_timeout', 504, 'Query timed out', {
      detail: `The saved report ${reportId} did not finish within ${timeoutMs} ms, the limit for a synchronous run.`,
      allowedActions: [asyncRunAction(reportId)],
    });
  }
}

/**
 * A stored query that no longer compiles (its dataset or a field was removed since it was
 * saved). Not the caller's request at fault, so not a 400 on a parameter.
 */
export class SavedReportInvalid extends DomainError {
  constructor(reportId: string, problem: string) {
    super('saved_report_invalid', 409, 'Saved report no longer valid', {
      detail: `The saved report ${reportId} cannot run: ${problem}`,
      allowedActions: [
        {
          rel: 'update',
          href: pathOf(apiPaths.savedReport, reportId),
          method: 'PATCH',
          operation_id: 'updateSavedReport',
          hint: 'Save a corrected query.',
          schema_ref: '#/components/schemas/UpdateSavedReportRequest',
        },
      ],
    });
  }
}

/**
 * A saved report that wraps a catalog report has no synchronous answer: catalog reports are
 * files of any size, made by the workers. The caller runs it as a report run instead.
 */
export class SavedReportNotSynchronous extends DomainError {
  constructor(reportId: string) {
    super('saved_report_not_synchronous', 409, 'Saved report runs only as a report run', {
      detail: `The saved report ${reportId} wraps a catalog report; create a report run with report '${reportId}' instead.`,
      allowedActions: [
        {
          rel: 'create_run',
          href: apiPaths.reportRuns,
          method: 'POST',
          operation_id: 'createReportRun',
          schema_ref: '#/components/schemas/CreateReportRunRequest',
        },
      ],
    });
  }
}

/**
 * How a request met a report that does not exist, which decides its status: the resource it
 * reads (404), a report named in its body (400 on `report`), or the report a run runs, gone
 * since the run was created (the run fails; a 404 if it ever reached a client).
 */
export type ReportLookup = 'resource' | 'parameter' | 'run';

/** A report id that names no catalog report, nor a saved report of the caller's team and mode. */
export class ReportNotFound extends DomainError {
  constructor(
    readonly reportId: string,
    readonly kind: 'catalog' | 'saved',
    readonly lookup: ReportLookup,
  ) {
    super(
      'report_not_found',
      lookup === 'parameter' ? 400 : 404,
      lookup === 'parameter' ? 'Unknown report' : 'Report not found',
      {
        detail: reportNotFoundDetail(reportId, kind, lookup),
        ...(lookup === 'parameter' ? { extensions: { param: 'report' } } : {}),
      },
    );
  }

  /** The same missing report, named by a request body's `report`. */
  asParameter(): ReportNotFound {
    return new ReportNotFound(this.reportId, this.kind, 'parameter');
  }
}

function reportNotFoundDetail(reportId: string, kind: 'catalog' | 'saved', lookup: ReportLookup): string {
  switch (lookup) {
    case 'resource':
      return `No report with id '${reportId}' exists.`;
    case 'parameter':
      return kind === 'saved'
        ? `There is no report '${reportId}'. GET ${apiPaths.savedReports} lists your saved reports.`
        : `There is no report '${reportId}'. GET ${apiPaths.reports} lists them.`;
    case 'run':
      return kind === 'saved'
        ? `The saved report '${reportId}' was deleted.`
        : `The report '${reportId}' is no longer in the catalog.`;
  }
}
