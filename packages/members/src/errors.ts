import { DomainError, ResourceNotFound } from '@reportrun/core';

/** A member id that is not a member of the team asking (another team's members included). */
export class MemberNotFound extends ResourceNotFound {
  constructor(id: string) {
    super('member', id);
  }
}

/** Emails are unique within a team: one person, one member, one scope. */
export class MemberEmailTaken extends DomainError {
  constructor(email: string) {
    super('member_email_taken', 409, 'Member email already in use', {
      detail: `The team already has a member with email '${email}'.`,
      extensions: { param: 'email' },
    });
  }
}
