import { idPrefix, newId } from '@reportrun/core';
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
      id: newId(idPrefix.report),
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
 * is creation order and a page stays stable while new reports are saved.
 */
export async function listSavedReports(
  prisma: PrismaClient,
  scope: SavedReportScope,
  page: { limit: number; startingAfter?: string },
): Promise<SavedReportPage> {
  const rows = await prisma.report.findMany({
    where: {
      teamId: scope.teamId,
      livemode: scope.livemode,
      ...(page.startingAfter !== undefined ? { id: { lt: page.startingAfter } } : {}),
    },
    orderBy: { id: 'desc' },
    take: page.limit + 1,
  });
  return { reports: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}

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
