import type { ProblemTable } from '../http/route.ts';

/** The problems a reporting (v2) route may answer, in the document. */
export const reportingProblems: ProblemTable = [
  [400, 'Invalid request'],
  [401, 'Missing or invalid API key'],
  [404, 'Not found'],
  [409, 'Conflict with the current state, or a request with the same Idempotency-Key is in progress'],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [422, 'The Idempotency-Key was already used for a different request'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
  [503, 'Temporarily unavailable'],
];

/** The problems a saved-report route may answer. */
export const savedReportProblems: ProblemTable = [
  [400, 'Invalid request; `param` names the offending path, e.g. `query.filters[2].field`'],
  [401, 'Missing or invalid API key'],
  [404, "No such saved report for this key (another team's reports are not found either)"],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];

/** A saved report run synchronously may also be stale, too large or too slow to answer. */
export const savedReportRunProblems: ProblemTable = [
  ...savedReportProblems,
  [409, 'The stored query no longer fits its dataset (`saved_report_invalid`)'],
  [
    422,
    '`result_too_large`: more rows than a synchronous answer carries; `allowed_actions` point to the async run',
  ],
  [504, '`query_timeout`: the query outran the synchronous statement timeout'],
];

/** The problems a member route may answer. */
export const memberProblems: ProblemTable = [
  [400, 'Invalid request; `param` names the offending path, e.g. `data_scope.currency[1]`'],
  [401, 'Missing or invalid API key'],
  [404, "No such member in this key's team"],
  [409, '`member_email_taken`: the team already has a member with this email'],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [422, 'The Idempotency-Key was already used for a different request'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];

/** The problems an API-key route may answer. */
export const apiKeyProblems: ProblemTable = [
  [400, 'Invalid request; `param` names the offending field'],
  [401, 'Missing or invalid API key'],
  [404, "No active key with this id in this key's team"],
  [409, '`api_key_revokes_itself`: a key cannot revoke the key the request is made with'],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [422, 'The Idempotency-Key was already used for a different request'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];

/** The problems an event or webhook endpoint route may answer. */
export const webhookProblems: ProblemTable = [
  [400, 'Invalid request; `param` names the field. A URL reaching a private address is `webhook_url_refused` (`param: url`)'],
  [401, 'Missing or invalid API key'],
  [404, "No such event or endpoint for this key's team and mode"],
  [409, 'A request with the same Idempotency-Key is in progress'],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [422, 'The Idempotency-Key was already used for a different request'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];
