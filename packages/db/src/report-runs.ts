import type { PrismaClient } from './client.ts';
import type { ReportRun } from './generated/prisma/client.ts';

/** Whose run it is: a key sees only its own team's runs in its own mode. */
export interface ReportRunScope {
  teamId: string;
  livemode: boolean;
}

/** The run if it belongs to the scope; another team's or mode's run reads as missing. */
export function findScopedReportRun(
  prisma: PrismaClient,
  scope: ReportRunScope,
  id: string,
): Promise<ReportRun | null> {
  return prisma.reportRun.findFirst({ where: { id, teamId: scope.teamId, livemode: scope.livemode } });
}
