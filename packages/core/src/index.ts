export { newId, hasPrefix, idPrefix, type IdPrefix } from './ids.ts';
export {
  DomainError,
  ResourceNotFound,
  InvalidParameter,
  UnknownParameter,
  MissingParameter,
  AuthenticationRequired,
  ServiceUnavailable,
  type AllowedAction,
  type DomainErrorOptions,
} from './errors.ts';
export { openApiRegistry } from './openapi-registry.ts';
export { problemSchema, allowedActionSchema, type Problem } from './schemas/problem.ts';
export {
  reportRunStatusSchema,
  fileContentTypeSchema,
  resultOptionsSchema,
  createReportRunRequestSchema,
  failureDetailsSchema,
  progressDetailsSchema,
  runStageSchema,
  reportRunSchema,
  type ReportRunStatus,
  type FileContentType,
  type ResultOptions,
  type CreateReportRunRequest,
  type FailureDetails,
  type ProgressDetails,
  type ReportRunResource,
} from './schemas/report-run.ts';
