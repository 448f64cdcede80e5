import { DomainError, type AllowedAction } from './errors.ts';

/** The async path, which has no row cap: where a too-large or too-slow synchronous run points. */
function asyncRunAction(reportId: string): AllowedAction {
  return {
    rel: 'create',
    href: '/v2/reporting/report_runs',
    method: 'POST',
    operation_id: 'createReportRun',
    hint: `Create a report run with {"report": "${reportId}"}; a worker writes the whole result to a CSV file you download when it succeeds.`,
    schema_ref: '#/components/schemas/CreateReportRunRequest',
  };
}

function lowerLimitAction(reportId: string, maxRows: number): AllowedAction {
  return {
    rel: 'update',
    href: `/v1/reports/saved/${reportId}`,
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
          href: `/v1/reports/saved/${reportId}`,
          method: 'PATCH',
          operation_id: 'updateSavedReport',
          hint: 'Save a corrected query.',
          schema_ref: '#/components/schemas/UpdateSavedReportRequest',
        },
      ],
    });
  }
}
