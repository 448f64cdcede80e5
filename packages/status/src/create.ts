import { idPrefix, newId, type DataScope, type ResultOptionsInput } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';

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

/**
 * A run is born `running` (queued), the only state it starts in. Takes a transaction's client
 * too, so a schedule's slot and its runs are stored together or not at all.
 */
export async function createReportRun(prisma: Pick<PrismaClient, 'reportRun'>, input: NewReportRun): Promise<ReportRun> {
  const { userId, dataScope, ...fields } = input;
  return prisma.reportRun.create({
    data: {
      id: newId(idPrefix.reportRun),
      ...fields,
      ...(userId ? { userId } : {}),
      // A nullable JSON column takes Prisma's DbNull, not null; leaving it out stores NULL.
      ...(dataScope ? { dataScope } : {}),
      status: 'running',
      statusDetails: { stage: 'queued' },
    },
  });
}
