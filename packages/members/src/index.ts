export { dataScopeSchema, normalizeDataScope, type DataScope } from '@reportrun/core';
export { commonScope, isUnrestricted } from './scope.ts';
export {
  findTeamMembers,
  isMemberId,
  memberScopeOf,
  createMember,
  getTeamMember,
  listTeamMembers,
  updateTeamMember,
  deleteTeamMember,
  type TeamMember,
} from './members.ts';
export { MemberNotFound, MemberEmailTaken } from './errors.ts';
