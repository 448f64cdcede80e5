import {
  apiPaths,
  createMemberRequestSchema,
  deletedMemberSchema,
  InvalidParameter,
  listMembersQuerySchema,
  memberListSchema,
  memberSchema,
  updateMemberRequestSchema,
  type MemberResource,
} from '@reportrun/core';
import {
  createMember,
  deleteTeamMember,
  getTeamMember,
  listTeamMembers,
  updateTeamMember,
  type TeamMember,
} from '@reportrun/members';
import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { memberProblems } from './problem-tables.ts';

const memberId = z.object({ id: z.string().openapi({ description: 'Member id (a UUID).', format: 'uuid' }) });

/** A team's members and their data scopes; members are team-wide (test and live mode alike). */
export const createMemberRoute = defineRoute({
  method: 'post',
  path: apiPaths.members,
  operationId: 'createMember',
  summary: 'Add a member to the team, with the data scope runs made for them are limited to',
  idempotent: true,
  body: { schema: createMemberRequestSchema },
  response: { status: 201, description: 'The member', schema: memberSchema },
  problems: memberProblems,
  async handler({ body, request, deps }) {
    const member = await createMember(deps.prisma, principalOf(request).teamId, {
      email: body.email,
      dataScope: body.data_scope,
    });
    return toMemberResource(member);
  },
});

export const listMembersRoute = defineRoute({
  method: 'get',
  path: apiPaths.members,
  operationId: 'listMembers',
  summary: "List the team's members, newest first",
  query: listMembersQuerySchema,
  response: { status: 200, description: 'A page of members', schema: memberListSchema },
  problems: memberProblems,
  async handler({ query: { limit, starting_after: startingAfter }, request, deps }) {
    const page = await listTeamMembers(deps.prisma, principalOf(request).teamId, {
      limit,
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    return { object: 'list' as const, data: page.members.map(toMemberResource), has_more: page.hasMore };
  },
});

export const getMemberRoute = defineRoute({
  method: 'get',
  path: apiPaths.member,
  operationId: 'getMember',
  summary: 'Retrieve a member',
  params: memberId,
  response: { status: 200, description: 'The member', schema: memberSchema },
  problems: memberProblems,
  handler: async ({ params: { id }, request, deps }) =>
    toMemberResource(await getTeamMember(deps.prisma, principalOf(request).teamId, id)),
});

export const updateMemberRoute = defineRoute({
  method: 'patch',
  path: apiPaths.member,
  operationId: 'updateMember',
  summary: "Change a member's email or replace their data scope (runs already made keep theirs)",
  params: memberId,
  body: { schema: updateMemberRequestSchema },
  response: { status: 200, description: 'The updated member', schema: memberSchema },
  problems: memberProblems,
  async handler({ params: { id }, body, request, deps }) {
    if (body.email === undefined && body.data_scope === undefined)
      throw new InvalidParameter('body', 'Send the fields to change: email, data_scope or both.');
    const member = await updateTeamMember(deps.prisma, principalOf(request).teamId, id, {
      ...(body.email !== undefined ? { email: body.email } : {}),
      ...(body.data_scope !== undefined ? { dataScope: body.data_scope } : {}),
    });
    return toMemberResource(member);
  },
});

export const deleteMemberRoute = defineRoute({
  method: 'delete',
  path: apiPaths.member,
  operationId: 'deleteMember',
  summary: 'Remove a member (their past runs stay, without user_id)',
  params: memberId,
  response: { status: 200, description: 'Deleted', schema: deletedMemberSchema },
  problems: memberProblems,
  async handler({ params: { id }, request, deps }) {
    await deleteTeamMember(deps.prisma, principalOf(request).teamId, id);
    return { id: id.toLowerCase(), object: 'member' as const, deleted: true as const };
  },
});

export const memberRoutes = [createMemberRoute, listMembersRoute, getMemberRoute, updateMemberRoute, deleteMemberRoute];

export function toMemberResource(member: TeamMember): MemberResource {
  return {
    id: member.id,
    object: 'member',
    email: member.email,
    data_scope: member.dataScope,
    created_at: member.createdAt.toISOString(),
    updated_at: member.updatedAt.toISOString(),
  };
}
