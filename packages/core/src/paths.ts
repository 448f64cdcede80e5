/**
 * Every path the API serves, written once in OpenAPI's template form (`{id}`). The router, the
 * OpenAPI document and the links inside problems (`allowed_actions[].href`) all read these.
 */
export const apiPaths = {
  health: '/healthz',
  live: '/livez',
  ready: '/readyz',
  openApi: '/openapi.json',
  reportRuns: '/v2/reporting/report_runs',
  reportRun: '/v2/reporting/report_runs/{id}',
  reportRunCancel: '/v2/reporting/report_runs/{id}/cancel',
  reportRunEvents: '/v2/reporting/report_runs/{id}/events',
  reports: '/v2/reporting/reports',
  report: '/v2/reporting/reports/{id}',
  savedReports: '/v1/reports/saved',
  savedReport: '/v1/reports/saved/{id}',
  savedReportRun: '/v1/reports/saved/{id}/run',
  savedReportExport: '/v1/reports/saved/{id}/export',
  // Stripe's v1 Reporting API.
  v1ReportRuns: '/v1/reporting/report_runs',
  v1ReportRun: '/v1/reporting/report_runs/{id}',
  v1ReportTypes: '/v1/reporting/report_types',
  v1ReportType: '/v1/reporting/report_types/{id}',
  v1File: '/v1/files/{id}',
  v1FileContents: '/v1/files/{id}/contents',
  // Airplane's run API.
  airplaneExecute: '/v0/tasks/execute',
  airplaneGetRun: '/v0/runs/get',
  airplaneGetOutputs: '/v0/runs/getOutputs',
  airplaneCancelRun: '/v0/runs/cancel',
  airplaneListRuns: '/v0/runs/list',
  members: '/v1/members',
  member: '/v1/members/{id}',
  apiKeys: '/v1/api_keys',
  apiKey: '/v1/api_keys/{id}',
  events: '/v1/events',
  event: '/v1/events/{id}',
  eventResend: '/v1/events/{id}/resend',
  webhookEndpoints: '/v1/webhook_endpoints',
  webhookEndpoint: '/v1/webhook_endpoints/{id}',
  webhookEndpointDeliveries: '/v1/webhook_endpoints/{id}/deliveries',
  // heyhumm's schedule and scheduled-run API.
  commandSchedules: '/commands/{command_id}/schedules',
  schedule: '/schedules/{schedule_id}',
  scheduleTrigger: '/schedules/{schedule_id}/trigger',
  scheduleRuns: '/reports/schedules/{schedule_id}/runs',
  commandRuns: '/reports/runs',
  commandRun: '/reports/runs/{run_id}',
  commandRunRead: '/reports/runs/{run_id}/read',
  commandRunRerun: '/reports/runs/{run_id}/rerun',
} as const;

export type ApiPath = (typeof apiPaths)[keyof typeof apiPaths];

/** A path template with its `{id}` filled in, e.g. `/v2/reporting/report_runs/reprun_…`. */
export function pathOf(template: ApiPath, id: string): string {
  return template.replace('{id}', encodeURIComponent(id));
}
