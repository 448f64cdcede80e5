import { idPrefix, newId, type ResultOptions } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';

export interface NewReportRun {
  teamId: string;
  livemode: boolean;
  reportId: string;
  reportName: string;
  reportParameters: Record<string, string>;
  resultOptions: ResultOptions;
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
