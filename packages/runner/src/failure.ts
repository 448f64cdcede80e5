import { StorageZoneCredentialsMissing } from '@reportrun/storage';
import { DomainError, type FailureDetails } from '@reportrun/core';

const transientNetworkCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * Sorts an error into a stable failure code and whether trying again can help. Transient
 * faults (connection loss, Postgres restarting, storage unreachable or answering 5xx) retry
 * with backoff; everything the same input would hit again (bad parameters, query errors,
 * timeouts) fails at once.
 */
export function classifyFailure(error: unknown): FailureDetails {
  if (error instanceof StorageZoneCredentialsMissing) {
    // An operator's setting, not a passing fault: retrying on the same worker cannot help.
    return { code: 'storage_zone_unavailable', message: error.message, retryable: false };
  }
  if (error instanceof DomainError) {
    return { code: error.code, message: error.detail ?? error.message, retryable: false };
  }
  // The S3 client marks every error it raises with `$metadata`: with the HTTP status when
  // storage answered, without one when it could not be reached at all (refused, reset, timed
  // out). Checked before the network codes, which storage and database errors share.
  const storageMetadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  if (storageMetadata && typeof storageMetadata === 'object') {
    const httpStatus = storageMetadata.httpStatusCode;
    if (typeof httpStatus !== 'number') {
      return { code: 'storage_unavailable', message: 'Object storage could not be reached.', retryable: true };
    }
    return httpStatus >= 500 || httpStatus === 429
      ? { code: 'storage_unavailable', message: `Object storage answered ${httpStatus}.`, retryable: true }
      : { code: 'storage_rejected', message: `Object storage refused the upload (${httpStatus}).`, retryable: false };
  }
  const pgCode = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof pgCode === 'string') {
    if (pgCode === '57014') {
      return { code: 'timeout', message: 'The report query ran longer than the run allows.', retryable: false };
    }
    if (pgCode.startsWith('08') || pgCode === '57P01' || pgCode === '57P02' || pgCode === '57P03') {
      return { code: 'database_unavailable', message: 'The reporting database connection was lost.', retryable: true };
    }
    if (transientNetworkCodes.has(pgCode)) {
      return { code: 'connection_lost', message: `A connection failed (${pgCode}).`, retryable: true };
    }
    if (/^[0-9A-Z]{5}$/.test(pgCode)) {
      return { code: 'query_failed', message: `The report query failed: ${message}`, retryable: false };
    }
  }
  if (/Connection terminated|connection.*(closed|ended)|socket hang up/i.test(message)) {
    return { code: 'connection_lost', message: 'A connection was lost mid-run.', retryable: true };
  }
  return { code: 'internal_error', message: 'The run failed unexpectedly.', retryable: true };
}
