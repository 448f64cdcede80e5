import { dataScopeSchema, type DataScope } from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';

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
