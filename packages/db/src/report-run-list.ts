import type { PrismaClient } from './client.ts';
import type { Prisma, ReportRun, ReportRunStatus } from './generated/prisma/client.ts';

/** Which runs a list shows; team and mode always come from the caller's API key. */
export interface ReportRunListFilter {
  teamId: string;
  livemode: boolean;
  reportId?: string;
  status?: ReportRunStatus;
  created?: { gte?: Date; gt?: Date; lte?: Date; lt?: Date };
}

/**
 * A run's place in the list order (newest first): `created_at`, then `id` to break ties within
 * one millisecond. Positions of existing runs never move, so pages built on them stay stable
 * while new runs arrive.
 */
export interface ReportRunPosition {
  createdAt: Date;
  id: string;
}

export type ReportRunPageRequest =
  /** The newest runs, after skipping `offset` of them (for APIs that page by number). */
  | { limit: number; offset?: number }
  /** Runs right after `position` in list order: older ones. */
  | { limit: number; olderThan: ReportRunPosition }
  /** Runs right before `position` in list order: newer ones. */
  | { limit: number; newerThan: ReportRunPosition };

export interface ReportRunPage {
  /** Newest first. */
  runs: ReportRun[];
  hasOlder: boolean;
  hasNewer: boolean;
}

const newestFirst: Prisma.ReportRunOrderByWithRelationInput[] = [{ createdAt: 'desc' }, { id: 'desc' }];
const oldestFirst: Prisma.ReportRunOrderByWithRelationInput[] = [{ createdAt: 'asc' }, { id: 'asc' }];

function olderThan(position: ReportRunPosition): Prisma.ReportRunWhereInput {
  return {
    OR: [
      { createdAt: { lt: position.createdAt } },
      { createdAt: position.createdAt, id: { lt: position.id } },
    ],
  };
}

function newerThan(position: ReportRunPosition): Prisma.ReportRunWhereInput {
  return {
    OR: [
      { createdAt: { gt: position.createdAt } },
      { createdAt: position.createdAt, id: { gt: position.id } },
    ],
  };
}

/**
 * One page of runs by keyset on (created_at, id), served by the
 * (team_id, livemode, created_at DESC, id DESC) index. One extra row tells whether the list goes
 * on in the direction of travel; one more lookup, whether it goes on in the other.
 */
export async function listReportRuns(
  prisma: PrismaClient,
  filter: ReportRunListFilter,
  page: ReportRunPageRequest,
): Promise<ReportRunPage> {
  const base: Prisma.ReportRunWhereInput = {
    teamId: filter.teamId,
    livemode: filter.livemode,
    ...(filter.reportId !== undefined ? { reportId: filter.reportId } : {}),
    ...(filter.status !== undefined ? { status: filter.status } : {}),
    ...(filter.created ? { createdAt: filter.created } : {}),
  };
  const exists = async (where: Prisma.ReportRunWhereInput) =>
    (await prisma.reportRun.findFirst({ where: { AND: [base, where] }, select: { id: true } })) !== null;

  if ('newerThan' in page) {
    const rows = await prisma.reportRun.findMany({
      where: { AND: [base, newerThan(page.newerThan)] },
      orderBy: oldestFirst,
      take: page.limit + 1,
    });
    const runs = rows.slice(0, page.limit).reverse();
    const oldest = runs.at(-1);
    return {
      runs,
      hasNewer: rows.length > page.limit,
      hasOlder: oldest ? await exists(olderThan(oldest)) : false,
    };
  }

  const rows = await prisma.reportRun.findMany({
    where: 'olderThan' in page ? { AND: [base, olderThan(page.olderThan)] } : base,
    orderBy: newestFirst,
    ...('offset' in page && page.offset ? { skip: page.offset } : {}),
    take: page.limit + 1,
  });
  const runs = rows.slice(0, page.limit);
  const newest = runs[0];
  return {
    runs,
    hasOlder: rows.length > page.limit,
    // The first page has nothing newer by definition: runs created since are a new first page.
    hasNewer: 'olderThan' in page && newest ? await exists(newerThan(newest)) : false,
  };
}
