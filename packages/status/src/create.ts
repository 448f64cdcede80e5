import { idPrefix, newId, type DataScope, type ResultOptionsInput } from '@reportrun/core';
import { reportRunFromRow, type PrismaClient, type Queryable, type ReportRun, type ReportRunRow } from '@reportrun/db';

export interface NewReportRun {
  teamId: string;
  livemode: boolean;
  reportId: string;
  reportName: string;
  /** As validated by the report's declaration: strings, and lists of strings (`columns`). */
  reportParameters: Record<string, string | string[]>;
  resultOptions: ResultOptionsInput;
  timeoutSeconds: number;
  createdBy: string;
  /** The member the run is made for (a schedule's subscriber, a re-run's requester). */
  userId?: string | null;
  /**
   * The data scope the export is limited to, copied onto the run so a later change to the
   * member never changes what this run may show. Absent or null: unscoped.
   */
  dataScope?: DataScope | null;
  /** A scheduled run: its schedule, the slot that made it and the firing's thread. */
  scheduleId?: string | null;
  slotId?: string | null;
  threadId?: string | null;
  /** A re-run: the run it repeats. */
  sourceRunId?: string | null;
}

const insertReportRunSql = `
  INSERT INTO "public"."report_runs"
         (id, team_id, livemode, report_id, report_name, report_parameters, result_options, status, status_details,
          created_by, timeout_seconds, user_id, data_scope, schedule_id, slot_id, thread_id, source_run_id)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, 'running', $8::jsonb,
          $9, $10, $11::uuid, $12::jsonb, $13, $14::uuid, $15::uuid, $16)
  RETURNING *`;

/**
 * Where a run is written: the service database's pool (a request creating one run: the cheapest
 * path, without Prisma's per-query work) or a Prisma transaction (a schedule's slot and its runs
 * stored together or not at all). Both run the same statement.
 */
export type RunWriter = Queryable | Pick<PrismaClient, '$queryRawUnsafe'>;

function isPrisma(db: RunWriter): db is Pick<PrismaClient, '$queryRawUnsafe'> {
  return typeof (db as Partial<Pick<PrismaClient, '$queryRawUnsafe'>>).$queryRawUnsafe === 'function';
}

/** A run is born `running` (queued), the only state it starts in. */
export async function createReportRun(db: RunWriter, input: NewReportRun): Promise<ReportRun> {
  const values = [
    newId(idPrefix.reportRun),
    input.teamId,
    input.livemode,
    input.reportId,
    input.reportName,
    JSON.stringify(input.reportParameters),
    JSON.stringify(input.resultOptions),
    JSON.stringify({ stage: 'queued' }),
    input.createdBy,
    input.timeoutSeconds,
    input.userId ?? null,
    input.dataScope ? JSON.stringify(input.dataScope) : null,
    input.scheduleId ?? null,
    input.slotId ?? null,
    input.threadId ?? null,
    input.sourceRunId ?? null,
  ];
  const rows = isPrisma(db)
    ? await db.$queryRawUnsafe<ReportRunRow[]>(insertReportRunSql, ...values)
    : (await db.query<ReportRunRow>({ name: 'insert-report-run', text: insertReportRunSql, values })).rows;
  return reportRunFromRow(rows[0]!);
}
