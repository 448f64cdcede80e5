import type { NextFunction, Request, Response } from 'express';
import { AuthenticationRequired, ResourceNotFound } from '@reportrun/core';
import type { ApiKeyAuthenticator, ApiKeyPrincipal } from '@reportrun/db';
import { faceOf, requestPathOf } from './faces.ts';

declare global {
  // Express's own extension point for per-request data.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      principal?: ApiKeyPrincipal;
    }
  }
}

export const airplaneKeyHeader = 'x-airplane-api-key';
export const airplaneTeamHeader = 'x-team-id';

/**
 * The key's secret as the request's face sends it: `Authorization: Bearer <key>` everywhere, and
 * on Airplane's face also `X-Airplane-API-Key: <key>`, which its SDKs send.
 */
function presentedSecret(request: Request): string {
  const airplane = faceOf(requestPathOf(request.originalUrl)) === 'airplane';
  const airplaneKey = airplane ? request.headers[airplaneKeyHeader] : undefined;
  if (typeof airplaneKey === 'string') {
    const secret = airplaneKey.trim();
    if (!/^\S+$/.test(secret)) {
      throw new AuthenticationRequired('The X-Airplane-API-Key header must hold one API key.', 'api_key_malformed');
    }
    return secret;
  }
  const header = request.headers.authorization;
  if (!header) {
    throw new AuthenticationRequired(
      airplane
        ? 'Send your API key as `X-Airplane-API-Key: <key>` or `Authorization: Bearer <key>`.'
        : 'Send your API key as `Authorization: Bearer <key>`.',
      'api_key_missing',
    );
  }
  // Stripe's own examples send the key as HTTP Basic's user name (`curl -u sk_…:`).
  const basic = faceOf(requestPathOf(request.originalUrl)) === 'stripe_v1' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (basic) {
    const [user, ...password] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
    if (user && password.join(':') === '' && /^\S+$/.test(user)) return user;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) {
    throw new AuthenticationRequired('The Authorization header must be `Bearer <key>`.', 'api_key_malformed');
  }
  return match[1]!;
}

/**
 * Airplane's SDKs may name the team in `X-Team-ID`; it must be the key's own. Another team is
 * not found, never forbidden, as everywhere else.
 */
function checkAirplaneTeam(request: Request, teamId: string): void {
  if (faceOf(requestPathOf(request.originalUrl)) !== 'airplane') return;
  const header = request.headers[airplaneTeamHeader];
  if (header === undefined) return;
  const named = Array.isArray(header) ? header.join(',') : header;
  if (named !== teamId) throw new ResourceNotFound('team', named.slice(0, 100));
}

/** The API key (see `presentedSecret`); the key decides the team and the mode every query runs in. */
export function requireApiKey(apiKeys: ApiKeyAuthenticator) {
  return async (request: Request, _response: Response, next: NextFunction) => {
    const principal = await apiKeys.authenticate(presentedSecret(request));
    if (!principal) {
      throw new AuthenticationRequired('The API key is unknown or has been revoked.', 'api_key_invalid');
    }
    checkAirplaneTeam(request, principal.teamId);
    request.principal = principal;
    next();
  };
}

export function principalOf(request: Request): ApiKeyPrincipal {
  if (!request.principal) throw new AuthenticationRequired('Authentication is required.');
  return request.principal;
}
