import { idPrefix, newId, type ResultOptionsInput } from '@reportrun/core';
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
}

/** A run is born `running` (queued), the only state it starts in. */
export async function createReportRun(prisma: PrismaClient, input: NewReportRun): Promise<ReportRun> {
  return prisma.reportRun.create({
    data: {
      id: newId(idPrefix.reportRun),
      ...input,
      status: 'running',
      statusDetails: { stage: 'queued' },
    },
  });
}
