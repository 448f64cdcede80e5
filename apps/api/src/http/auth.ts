import type { NextFunction, Request, Response } from 'express';
import { AuthenticationRequired } from '@reportrun/core';
import type { Logger } from '@reportrun/config';
import {
  apiKeyUseRecordIntervalMs,
  authenticateApiKey,
  recordApiKeyUse,
  type ApiKeyPrincipal,
  type PrismaClient,
} from '@reportrun/db';

declare global {
  // Express's own extension point for per-request data.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: ApiKeyPrincipal;
    }
  }
}

/** `Authorization: Bearer <key>`; the key decides the team and the mode every query runs in. */
export function requireApiKey(prisma: PrismaClient, logger: Logger) {
  return async (request: Request, _response: Response, next: NextFunction) => {
    const header = request.headers.authorization;
    if (!header) {
      throw new AuthenticationRequired('Send your API key as `Authorization: Bearer <key>`.', 'api_key_missing');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new AuthenticationRequired('The Authorization header must be `Bearer <key>`.', 'api_key_malformed');
    }
    const key = await authenticateApiKey(prisma, match[1]!);
    if (!key) {
      throw new AuthenticationRequired('The API key is unknown or has been revoked.', 'api_key_invalid');
    }
    request.principal = key.principal;
    const now = new Date();
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= apiKeyUseRecordIntervalMs) {
      // Not awaited: when a key was last used is bookkeeping, and the request must not wait on
      // it or fail with it. The UPDATE is conditional, so concurrent requests write once.
      recordApiKeyUse(prisma, key.principal.keyId, now).catch((error: unknown) => {
        logger.warn({ err: error, keyId: key.principal.keyId }, 'could not record API key use');
      });
    }
    next();
  };
}

export function principalOf(request: Request): ApiKeyPrincipal {
  if (!request.principal) throw new AuthenticationRequired('Authentication is required.');
  return request.principal;
}
