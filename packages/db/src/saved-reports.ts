import { newUuid } from '@reportrun/core';
import type { PrismaClient } from './client.ts';
import type { Prisma, Report } from './generated/prisma/client.ts';

/** Saved reports belong to one team and one mode; every read and write is scoped by both. */
export interface SavedReportScope {
  teamId: string;
  livemode: boolean;
}

export async function createSavedReport(
  prisma: PrismaClient,
  scope: SavedReportScope,
  input: { name: string; definition: Prisma.InputJsonValue },
): Promise<Report> {
  return prisma.report.create({
    data: {
      // UUIDs, as the everruns and heyhumm shapes say; time-ordered, so id order stays creation order.
      id: newUuid(),
      teamId: scope.teamId,
      livemode: scope.livemode,
      name: input.name,
      definition: input.definition,
    },
  });
}

export async function findSavedReport(
  prisma: PrismaClient,
  scope: SavedReportScope,
  id: string,
): Promise<Report | null> {
  return prisma.report.findFirst({ where: { id, teamId: scope.teamId, livemode: scope.livemode } });
}

export interface SavedReportPage {
  /** Newest first. */
  reports: Report[];
  hasMore: boolean;
}

/**
 * One page, newest first, by keyset on the id: ids start with their creation time, so id order
 * is creation order and a page stays stable while new reports are saved. Reports saved since ids
 * became UUIDs (hex, which sorts before `report_` in byte order) are all newer than those with
 * `report_…` ids, so the UUIDs are listed first, then the older ids, each newest first.
 */
export async function listSavedReports(
  prisma: PrismaClient,
  scope: SavedReportScope,
  page: { limit: number; startingAfter?: string },
): Promise<SavedReportPage> {
  const team = { teamId: scope.teamId, livemode: scope.livemode };
  const legacy = (startingAfter: string | undefined, take: number) =>
    prisma.report.findMany({
      where: { ...team, id: { startsWith: legacyPrefix, ...(startingAfter !== undefined ? { lt: startingAfter } : {}) } },
      orderBy: { id: 'desc' },
      take,
    });
  if (page.startingAfter?.startsWith(legacyPrefix)) {
    const rows = await legacy(page.startingAfter, page.limit + 1);
    return { reports: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
  }
  const rows = await prisma.report.findMany({
    where: { ...team, id: { lt: page.startingAfter ?? legacyPrefix } },
    orderBy: { id: 'desc' },
    take: page.limit + 1,
  });
  if (rows.length <= page.limit) rows.push(...(await legacy(undefined, page.limit + 1 - rows.length)));
  return { reports: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

const legacyPrefix = 'report_';

/** Null when no such report exists for the scope (another team's is the same as none). */
export async function updateSavedReport(
  prisma: PrismaClient,
  scope: SavedReportScope,
  id: string,
  changes: { name?: string; definition?: Prisma.InputJsonValue },
): Promise<Report | null> {
  const [updated] = await prisma.report.updateManyAndReturn({
    where: { id, teamId: scope.teamId, livemode: scope.livemode },
    data: {
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.definition !== undefined ? { definition: changes.definition } : {}),
    },
  });
  return updated ?? null;
}

export async function deleteSavedReport(
  prisma: PrismaClient,
  scope: SavedReportScope,
  id: string,
): Promise<boolean> {
  const { count } = await prisma.report.deleteMany({
    where: { id, teamId: scope.teamId, livemode: scope.livemode },
  });
  return count === 1;
}
