// The v2 view lives with the run's state machine, so events render runs exactly as the API does.
export { toReportRunResource } from '@reportrun/status';
