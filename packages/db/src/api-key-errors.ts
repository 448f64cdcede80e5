import { DomainError, ResourceNotFound } from '@reportrun/core';

/** A key id that is not an active key of the team asking (revoked and other teams' keys included). */
export class ApiKeyNotFound extends ResourceNotFound {
  constructor(id: string) {
    super('api_key', id);
  }
}

/** Revoking the key a request is made with would lock its holder out mid-session. */
export class ApiKeyRevokesItself extends DomainError {
  constructor(id: string) {
    super('api_key_revokes_itself', 409, 'A key cannot revoke itself', {
      detail: `The key ${id} is the one this request is made with; revoke it with another key of the team.`,
      extensions: { param: 'id' },
    });
  }
}
