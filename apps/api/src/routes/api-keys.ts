import {
  apiKeyListSchema,
  apiPaths,
  createApiKeyRequestSchema,
  createdApiKeySchema,
  deletedApiKeySchema,
  safeText,
  type ApiKeyResource,
} from '@reportrun/core';
import { createApiKey, getActiveApiKey, listActiveApiKeys, revokeTeamApiKey, type ApiKeySummary } from '@reportrun/db';
import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { apiKeyProblems } from './problem-tables.ts';

const apiKeyId = z.object({ id: safeText(100).openapi({ description: 'API key id (`key_…`).' }) });

/**
 * The team's API keys. A new key gets the mode of the key that makes it, so a test key can
 * never mint a live one.
 */
export const createApiKeyRoute = defineRoute({
  method: 'post',
  path: apiPaths.apiKeys,
  operationId: 'createApiKey',
  summary: 'Create an API key for the team, in the mode of the calling key; its secret is in this answer only',
  idempotent: true,
  body: { schema: createApiKeyRequestSchema },
  response: { status: 201, description: 'The key, with its secret', schema: createdApiKeySchema },
  problems: apiKeyProblems,
  async handler({ body, request, deps }) {
    const principal = principalOf(request);
    const issued = await createApiKey(deps.prisma, { teamId: principal.teamId, livemode: principal.livemode, name: body.name });
    const key = await getActiveApiKey(deps.prisma, principal.teamId, issued.id);
    return { ...toApiKeyResource(key), secret: issued.secret };
  },
});

export const listApiKeysRoute = defineRoute({
  method: 'get',
  path: apiPaths.apiKeys,
  operationId: 'listApiKeys',
  summary: "List the team's active API keys (both modes), oldest first; never their secrets",
  response: { status: 200, description: 'The keys', schema: apiKeyListSchema },
  problems: apiKeyProblems,
  async handler({ request, deps }) {
    const keys = await listActiveApiKeys(deps.prisma, principalOf(request).teamId);
    return { object: 'list' as const, data: keys.map(toApiKeyResource), has_more: false as const };
  },
});

export const deleteApiKeyRoute = defineRoute({
  method: 'delete',
  path: apiPaths.apiKey,
  operationId: 'deleteApiKey',
  summary: 'Revoke an API key of the team (not the one making the request)',
  params: apiKeyId,
  response: { status: 200, description: 'Revoked', schema: deletedApiKeySchema },
  problems: apiKeyProblems,
  async handler({ params: { id }, request, deps }) {
    const principal = principalOf(request);
    await revokeTeamApiKey(deps.prisma, { teamId: principal.teamId, keyId: id, revokedBy: principal.keyId });
    return { id, object: 'api_key' as const, deleted: true as const };
  },
});

export const apiKeyRoutes = [createApiKeyRoute, listApiKeysRoute, deleteApiKeyRoute];

export function toApiKeyResource(key: ApiKeySummary): ApiKeyResource {
  return {
    id: key.id,
    object: 'api_key',
    team: key.teamId,
    name: key.name,
    livemode: key.livemode,
    redacted: key.redacted,
    created: key.createdAt.toISOString(),
    last_used_at: key.lastUsedAt?.toISOString() ?? null,
  };
}
