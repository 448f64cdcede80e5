import type { ReportRun } from './generated/prisma/client.ts';

/**
 * A `report_runs` row as raw SQL returns it (`RETURNING *`), through node-postgres (int8 as a
 * string) or Prisma's raw queries (int8 as a bigint).
 */
export interface ReportRunRow {
  id: string;
  team_id: string;
  livemode: boolean;
  report_id: string;
  report_name: string;
  report_parameters: ReportRun['reportParameters'];
  result_options: ReportRun['resultOptions'];
  status: ReportRun['status'];
  status_details: ReportRun['statusDetails'];
  created_at: Date;
  created_by: string | null;
  active_at: Date | null;
  succeeded_at: Date | null;
  failed_at: Date | null;
  canceled_at: Date | null;
  canceled_by: string | null;
  timeout_seconds: number;
  attempts: number;
  schedule_id: string | null;
  source_run_id: string | null;
  is_read: boolean;
  read_at: Date | null;
  idempotency_key: string | null;
  file_content_type: string | null;
  file_size: string | bigint | null;
  file_rows: string | bigint | null;
  file_object_key: string | null;
  file_expires_at: Date | null;
  requeue_count: number;
  requeued_at: Date | null;
  lease_owner: string | null;
  lease_attempt: number | null;
  lease_expires_at: Date | null;
  crash_count: number;
  slot_id: string | null;
  thread_id: string | null;
  is_source_run: boolean;
  user_id: string | null;
  data_scope: ReportRun['dataScope'];
  summary: string | null;
  storage_zone_id: string | null;
}

const bigintOf = (value: string | bigint | null) => (value === null ? null : BigInt(value));

/** The run as Prisma's model reads it; the schema round trip test holds the two together. */
export function reportRunFromRow(row: ReportRunRow): ReportRun {
  return {
    id: row.id,
    teamId: row.team_id,
    livemode: row.livemode,
    reportId: row.report_id,
    reportName: row.report_name,
    reportParameters: row.report_parameters,
    resultOptions: row.result_options,
    status: row.status,
    statusDetails: row.status_details,
    createdAt: row.created_at,
    createdBy: row.created_by,
    activeAt: row.active_at,
    succeededAt: row.succeeded_at,
    failedAt: row.failed_at,
    canceledAt: row.canceled_at,
    canceledBy: row.canceled_by,
    timeoutSeconds: row.timeout_seconds,
    attempts: row.attempts,
    scheduleId: row.schedule_id,
    sourceRunId: row.source_run_id,
    isRead: row.is_read,
    readAt: row.read_at,
    idempotencyKey: row.idempotency_key,
    fileContentType: row.file_content_type,
    fileSize: bigintOf(row.file_size),
    fileRows: bigintOf(row.file_rows),
    fileObjectKey: row.file_object_key,
    fileExpiresAt: row.file_expires_at,
    requeueCount: row.requeue_count,
    requeuedAt: row.requeued_at,
    leaseOwner: row.lease_owner,
    leaseAttempt: row.lease_attempt,
    leaseExpiresAt: row.lease_expires_at,
    crashCount: row.crash_count,
    slotId: row.slot_id,
    threadId: row.thread_id,
    isSourceRun: row.is_source_run,
    userId: row.user_id,
    dataScope: row.data_scope,
    summary: row.summary,
    storageZoneId: row.storage_zone_id,
  };
}
