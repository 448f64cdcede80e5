/**
 * What every error code means and what to do about it: the pages a problem's `type` links to
 * (`/docs/errors/{code}`), and the meaning of a failed run's `status_details.code`. One entry
 * per code, so the page a client follows and the code it branches on cannot disagree. The fuzz
 * test follows the `type` of every problem it provokes, so a code without an entry fails it.
 */
export interface ProblemCodePage {
  title: string;
  /** What happened, in a sentence or two. */
  meaning: string;
  /** What the caller can do next. */
  remedy: string;
  /** `request`: answered as a problem+json; `run`: recorded on a failed run. */
  kind: 'request' | 'run';
}

const request = (title: string, meaning: string, remedy: string): ProblemCodePage => ({
  title,
  meaning,
  remedy,
  kind: 'request',
});
const run = (title: string, meaning: string, remedy: string): ProblemCodePage => ({ title, meaning, remedy, kind: 'run' });

export const problemCatalog: Readonly<Record<string, ProblemCodePage>> = {
  api_key_missing: request(
    'Authentication required',
    'The request carried no API key.',
    'Send your key as `Authorization: Bearer <key>` (Airplane clients: `X-Airplane-API-Key`). `pnpm keys create` makes one.',
  ),
  api_key_malformed: request(
    'Malformed Authorization header',
    'The Authorization header is not of the form `Bearer <key>`.',
    'Send exactly `Authorization: Bearer rr_test_…` or `rr_live_…`.',
  ),
  api_key_invalid: request(
    'Unknown or revoked API key',
    'No active key matches the one sent: it was mistyped, revoked, or belongs to another installation.',
    'Check the key; `pnpm keys list` shows the team’s keys by their redacted form.',
  ),
  bad_request: request(
    'Bad request',
    'The request could not be understood as sent.',
    'Read `detail`, fix the request and send it again.',
  ),
  body_too_deep: request(
    'Body nested too deeply',
    'The JSON body nests objects or arrays deeper than the service accepts (32 levels).',
    'Flatten the body; no valid request needs that depth.',
  ),
  idempotency_key_reused: request(
    'Idempotency key reused with another request',
    'The `Idempotency-Key` was already used within 24 hours for a request with a different method, path or body.',
    'Use a fresh key for a new request; reuse a key only to retry the very same request.',
  ),
  idempotency_request_in_progress: request(
    'Request with this idempotency key in progress',
    'The first request with this `Idempotency-Key` is still being processed.',
    'Retry after `retry_after_seconds`; you will then get the first request’s response.',
  ),
  internal_error: request(
    'Internal error',
    'Something failed inside the service. The request may or may not have taken effect; on a run, the failure was not caused by its report or parameters.',
    'Retry with the same `Idempotency-Key`. If it persists, report the `instance` and time to the operator.',
  ),
  invalid_body_length: request(
    'Body length does not match Content-Length',
    'The body ended before, or ran past, the length its `Content-Length` header announced.',
    'Send the body whole with a correct `Content-Length` (HTTP clients do this for you).',
  ),
  invalid_json: request('Malformed JSON', 'The body is not valid JSON.', 'Send a valid JSON object with `Content-Type: application/json`.'),
  invalid_path_encoding: request(
    'Invalid percent-encoding in the path',
    'The URL path contains a `%` escape that does not decode to UTF-8 text.',
    'Percent-encode path segments as UTF-8 (e.g. `encodeURIComponent`).',
  ),
  invalid_query_encoding: request(
    'Invalid percent-encoding in the query',
    'A query parameter name or value contains a `%` escape that does not decode to UTF-8 text.',
    'Percent-encode query parameters as UTF-8 (e.g. `URLSearchParams`).',
  ),
  invalid_value: request(
    'Value out of range',
    'A value is well-formed but cannot be stored or compared (for example a date outside years 0001–9999).',
    'Send a value within the documented range; `param` names the field.',
  ),
  parameter_invalid: request(
    'Invalid parameter',
    'A parameter has the wrong type or a value the operation does not accept.',
    'Fix the parameter named in `param`; `detail` says what is accepted. The OpenAPI document at `/openapi.json` lists every parameter.',
  ),
  parameter_missing: request('Missing parameter', 'A required parameter was not sent.', 'Send the parameter named in `param`.'),
  parameter_unknown: request(
    'Unknown parameter',
    'The request named a parameter the operation does not have (often a typo).',
    'Remove or rename the parameter named in `param`; unknown parameters are refused rather than ignored so typos never pass silently.',
  ),
  payload_too_large: request('Body too large', 'The body is larger than the service accepts.', 'Send a smaller body.'),
  query_timeout: request(
    'Query took too long to answer synchronously',
    'A synchronous saved-report query ran longer than the synchronous time limit.',
    'Create an asynchronous run of the same report (`allowed_actions` links it) and download the file when it succeeds.',
  ),
  rate_limited: request(
    'Too many requests',
    'This API key made more requests this minute than its limit allows.',
    'Wait `retry_after_seconds` (also in the `Retry-After` header) and retry; spread requests or use separate keys per service.',
  ),
  request_aborted: request(
    'Request aborted',
    'The client closed the connection before the body was received.',
    'Send the request again.',
  ),
  result_too_large: request(
    'Result too large to answer synchronously',
    'A synchronous saved-report query produced more rows than a synchronous answer may carry.',
    'Create an asynchronous run (see `allowed_actions`) and download the file, or narrow the query.',
  ),
  route_not_found: request(
    'No such route',
    'No operation exists for this method and path.',
    'Check the method and path against `/openapi.json` (rendered at `/docs`).',
  ),
  report_not_found: request(
    'Report not found',
    'The report named does not exist: no catalog report has that id, and no saved report of your team and mode does. On a run, the report was deleted or retired after the run was created.',
    'List the catalog with `GET /v2/reporting/reports` and your saved reports with `GET /v1/reports/saved`.',
  ),
  report_run_not_found: request(
    'Report run not found',
    'No run with this id exists for your team and mode (a test key never sees live runs, and the other way round).',
    'Check the id and that you use a key of the same team and mode as the one that created the run.',
  ),
  saved_report_not_found: request(
    'Saved report not found',
    'No saved report with this id exists for your team and mode; it may have been deleted.',
    'List your saved reports with `GET /v1/reports/saved`.',
  ),
  saved_report_invalid: request(
    'Invalid saved report',
    'The saved query refers to a dataset, field, grain or operator that does not exist, or combines them in a way that cannot run.',
    'Fix the slot named in `param`; the dataset catalog lists the fields each dataset has.',
  ),
  run_not_cancelable: request(
    'Run cannot be canceled',
    'The run already ended (succeeded, failed or canceled); only a running run can be canceled.',
    'Read the run to see how it ended.',
  ),
  service_not_ready: request(
    'Not ready',
    'The readiness probe failed: the process is draining before it stops, or cannot reach Postgres, Redis or storage (`down` names which, `checks` says why).',
    'Nothing to do as a client: load balancers route to ready instances. Operators: see docs/operations.md, "Probes".',
  ),
  service_unavailable: request(
    'Service unavailable',
    'A dependency of the service (Postgres, Redis or storage) is unreachable right now. Nothing was stored.',
    'Retry after `retry_after_seconds`, with the same `Idempotency-Key`.',
  ),
  unsupported_charset: request(
    'Unsupported charset',
    'The body declares a character set other than UTF-8.',
    'Send UTF-8 bodies (`Content-Type: application/json; charset=utf-8`, or no charset).',
  ),
  unsupported_encoding: request(
    'Unsupported content encoding',
    'The body is compressed with an encoding the service does not accept.',
    'Send the body uncompressed or with `Content-Encoding: gzip`.',
  ),
  unsupported_media_type: request(
    'Unsupported media type',
    'The body’s `Content-Type` is not one this operation accepts.',
    'Send `Content-Type: application/json` (Stripe v1 routes also take `application/x-www-form-urlencoded`).',
  ),
  api_key_not_found: request(
    'API key not found',
    'No active key with this id belongs to your team: it was already revoked, or the id is mistyped.',
    'List the team’s keys with `GET /v1/api_keys`.',
  ),
  api_key_revokes_itself: request(
    'A key cannot revoke itself',
    'The key to revoke is the one the request was made with.',
    'Revoke it with another key of the team (create one with `POST /v1/api_keys` first if needed).',
  ),
  member_not_found: request('Member not found', 'No member with this id exists in your team.', 'List members with `GET /v1/members`.'),
  member_email_taken: request(
    'Email already a member',
    'Another member of your team already has this email address.',
    'Update the existing member instead, or use another address.',
  ),

  saved_report_not_synchronous: request(
    'Saved report runs only as a report run',
    'This saved report wraps a catalog report (an export, not an aggregate), so it has no synchronous answer.',
    'Create a report run with `report` set to the saved report’s id (`allowed_actions` links it) and download the file.',
  ),
  command_not_found: request(
    'Command not found',
    'No saved report (command) with this id exists for your team and mode.',
    'List your saved reports with `GET /v1/reports/saved`; a command id is a saved report id.',
  ),
  schedule_not_found: request(
    'Schedule not found',
    'No schedule with this id exists for your team and mode (a deleted schedule is not found either).',
    'List a command’s schedules with `GET /commands/{command_id}/schedules?organization_id=…`.',
  ),
  cron_expression_invalid: request(
    'Invalid cron expression',
    'The cron expression does not parse, or can never fire (such as `0 0 30 2 *`, February 30th).',
    'Send five fields (minute hour day-of-month month day-of-week) that some real date matches; `detail` names the field at fault.',
  ),
  timezone_invalid: request(
    'Invalid time zone',
    'The time zone is not an IANA name. Fixed offsets such as `UTC+3` are refused because they cannot follow daylight saving time.',
    'Send an IANA zone name such as `Europe/Berlin` or `America/New_York` (or `UTC`).',
  ),
  file_not_found: request(
    'File not found',
    'No result file with this id exists for your key: the run has no file yet, its file expired, or it belongs to another team or mode.',
    'Read the report run; its `result` holds the file once the run succeeded.',
  ),
  team_not_found: request('Team not found', 'The team named does not exist, or is not the team of your API key.', 'Use the team id of your key.'),
  event_not_found: request(
    'Event not found',
    'No event with this id exists for your team and mode; events are kept 30 days.',
    'List recent events with `GET /v1/events`.',
  ),
  webhook_endpoint_not_found: request(
    'Webhook endpoint not found',
    'No webhook endpoint with this id exists for your team and mode.',
    'List your endpoints with `GET /v1/webhook_endpoints`.',
  ),
  webhook_url_refused: request(
    'Webhook URL refused',
    'The URL resolves to a loopback, private or link-local address, which the service refuses so it cannot be used to reach its own network.',
    'Use a public https URL. For local development an operator may set `WEBHOOK_ALLOW_PRIVATE_URLS=true`.',
  ),
  storage_zone_unavailable: run(
    'Storage zone unavailable',
    'The team’s storage zone names credentials this worker does not have, so the file could not be written there.',
    'The operator must give the workers the zone’s credential variables; then create the run again.',
  ),
  enqueue_failed: run(
    'Run could not be queued',
    'The run was created but the job queue (Redis) could not be reached, so it was failed at once rather than left waiting.',
    'Create the run again (with the same `Idempotency-Key` if you sent one).',
  ),
  // Codes a failed run records in `status_details.code`.
  timeout: run(
    'Run timed out',
    'The report query (or the whole run) ran longer than the run’s `timeout_seconds` allows.',
    'Narrow the interval, or create the run again with a larger `timeout_seconds`.',
  ),
  query_failed: run(
    'Report query failed',
    'Postgres refused the report’s query (the message quotes it). Not retried: running it again fails the same way.',
    'Check the parameters; for saved reports, check the saved query still fits its dataset.',
  ),
  database_unavailable: run(
    'Reporting database unavailable',
    'The connection to the reporting database was lost. The run was retried and ran out of attempts.',
    'Create the run again once the database is back.',
  ),
  connection_lost: run(
    'Connection lost',
    'A network connection (database or storage) dropped mid-run, and retries did not get through.',
    'Create the run again.',
  ),
  storage_unavailable: run(
    'Storage unavailable',
    'Object storage could not be reached, or answered with server errors, while the file was uploaded, and retries did not get through.',
    'Create the run again once storage is back.',
  ),
  storage_rejected: run(
    'Storage refused the file',
    'Object storage refused the upload (credentials, bucket or policy). Not retried.',
    'The operator must fix the storage settings; then create the run again.',
  ),
  run_lost: run(
    'Run lost',
    'The run’s job kept disappearing from the queue (Redis flushed or restarted without persistence) beyond the re-enqueue limit.',
    'Create the run again; the operator should make Redis persistent (AOF) with `noeviction`.',
  ),
  worker_crashed: run(
    'Workers kept crashing on this run',
    'Every attempt at this run ended with its worker process dying, more often than the crash limit allows.',
    'The operator should read the worker logs for this run id (often memory limits); the run is not retried again.',
  ),
};

/** Where a code's page is served; a problem's `type` (relative, resolved against the API's URL). */
export const problemTypePath = (code: string): string => `/docs/errors/${encodeURIComponent(code)}`;
