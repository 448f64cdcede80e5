import { dataScopeSchema, newUuid, normalizeDataScope, type DataScope } from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';
import { validateDataScope } from '@reportrun/reports';
import { MemberEmailTaken, MemberNotFound } from './errors.ts';

export interface TeamMember {
  id: string;
  teamId: string;
  email: string;
  dataScope: DataScope;
  createdAt: Date;
  updatedAt: Date;
}

interface MemberRow {
  id: string;
  teamId: string;
  email: string;
  dataScope: unknown;
  createdAt: Date;
  updatedAt: Date;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Member ids are UUIDs; anything else names no member (and must not reach a uuid column). */
export function isMemberId(id: string): boolean {
  return uuidPattern.test(id);
}

export function toTeamMember(row: MemberRow): TeamMember {
  return {
    id: row.id,
    teamId: row.teamId,
    email: row.email,
    // Stored scopes were validated on the way in; parsing again keeps a hand-edited row from
    // widening anything unnoticed (it throws instead).
    dataScope: dataScopeSchema.parse(row.dataScope),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * The team's members among `memberIds`, in no particular order. Ids that are not the team's
 * members (unknown, another team's, not a UUID) are simply absent, so a caller compares the
 * result with what it asked for to name the ones that are not members.
 */
export async function findTeamMembers(
  prisma: PrismaClient,
  teamId: string,
  memberIds: readonly string[],
): Promise<TeamMember[]> {
  const ids = [...new Set(memberIds.filter(isMemberId).map((id) => id.toLowerCase()))];
  if (ids.length === 0) return [];
  const rows = await prisma.member.findMany({ where: { teamId, id: { in: ids } } });
  return rows.map(toTeamMember);
}

/**
 * A member's scope as a client sent it: only declared scoping fields with well-formed values
 * (InvalidParameter naming `data_scope.<field>[i]` otherwise), an empty list read as "every
 * value" and dropped, values deduplicated and sorted.
 */
export function memberScopeOf(input: unknown): DataScope {
  return normalizeDataScope(validateDataScope(input ?? {}), { emptyMeansAll: true });
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'P2002';
}

export async function createMember(
  prisma: PrismaClient,
  teamId: string,
  input: { email: string; dataScope?: unknown },
): Promise<TeamMember> {
  const dataScope = memberScopeOf(input.dataScope);
  try {
    const row = await prisma.member.create({ data: { id: newUuid(), teamId, email: input.email, dataScope } });
    return toTeamMember(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw new MemberEmailTaken(input.email);
    throw error;
  }
}

/** The member, when it is one of the team's (another team's member is not found either). */
export async function getTeamMember(prisma: PrismaClient, teamId: string, id: string): Promise<TeamMember> {
  const row = isMemberId(id) ? await prisma.member.findFirst({ where: { id: id.toLowerCase(), teamId } }) : null;
  if (!row) throw new MemberNotFound(id);
  return toTeamMember(row);
}

/** Newest first (ids are time-ordered UUIDs); `startingAfter` need not exist any more. */
export async function listTeamMembers(
  prisma: PrismaClient,
  teamId: string,
  page: { limit: number; startingAfter?: string },
): Promise<{ members: TeamMember[]; hasMore: boolean }> {
  const rows = await prisma.member.findMany({
    where: { teamId, ...(page.startingAfter !== undefined ? { id: { lt: page.startingAfter } } : {}) },
    orderBy: { id: 'desc' },
    take: page.limit + 1,
  });
  return { members: rows.slice(0, page.limit).map(toTeamMember), hasMore: rows.length > page.limit };
}

/**
 * Changes a member's email or replaces their scope. Runs already made keep the scope they were
 * made with (it is copied onto each run); the next runs for this member use the new one.
 */
export async function updateTeamMember(
  prisma: PrismaClient,
  teamId: string,
  id: string,
  changes: { email?: string; dataScope?: unknown },
): Promise<TeamMember> {
  const dataScope = changes.dataScope === undefined ? undefined : memberScopeOf(changes.dataScope);
  if (!isMemberId(id)) throw new MemberNotFound(id);
  try {
    const [row] = await prisma.member.updateManyAndReturn({
      where: { id: id.toLowerCase(), teamId },
      data: {
        ...(changes.email !== undefined ? { email: changes.email } : {}),
        ...(dataScope !== undefined ? { dataScope } : {}),
        updatedAt: new Date(),
      },
    });
    if (!row) throw new MemberNotFound(id);
    return toTeamMember(row);
  } catch (error) {
    if (isUniqueViolation(error) && changes.email !== undefined) throw new MemberEmailTaken(changes.email);
    throw error;
  }
}

/** Deletes the member; their runs stay, with `user_id` cleared (the database's ON DELETE SET NULL). */
export async function deleteTeamMember(prisma: PrismaClient, teamId: string, id: string): Promise<void> {
  const { count } = isMemberId(id)
    ? await prisma.member.deleteMany({ where: { id: id.toLowerCase(), teamId } })
    : { count: 0 };
  if (count === 0) throw new MemberNotFound(id);
}
