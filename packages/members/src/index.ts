export { dataScopeSchema, normalizeDataScope, type DataScope } from '@reportrun/core';
export { commonScope, isUnrestricted } from './scope.ts';
export { findTeamMembers, isMemberId, type TeamMember } from './members.ts';
export { MemberNotFound, MemberEmailTaken } from './errors.ts';
