import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { safeText } from './input-text.ts';

/**
 * API keys over HTTP (`/v1/api_keys`). A key's secret is shown once, in the answer that creates
 * it; only its hash is stored, so no later answer can carry it.
 */

const timestamp = z.iso.datetime({ offset: true });

export const createApiKeyRequestSchema = openApiRegistry.register(
  'CreateApiKeyRequest',
  z
    .object({
      name: safeText(100)
        .pipe(z.string().trim().min(1, { error: 'must not be empty' }))
        .openapi({ description: 'What the key is for, so people can tell keys apart.' }),
    })
    .strict(),
);
export type CreateApiKeyRequest = z.infer<typeof createApiKeyRequestSchema>;

const apiKeyFields = {
  id: z.string().openapi({ description: 'The key id (`key_…`).' }),
  object: z.literal('api_key'),
  team: z.string().openapi({ description: "The team the key belongs to: the `organization_id` heyhumm's schedule routes take." }),
  name: z.string(),
  livemode: z.boolean().openapi({ description: 'A live key reads live data; a test key test data.' }),
  redacted: z.string().openapi({ description: 'The first and last characters of the secret.' }),
  created: timestamp,
  last_used_at: timestamp.nullable().openapi({ description: 'Recorded to the minute; null if never used.' }),
};

export const apiKeySchema = openApiRegistry.register('ApiKey', z.object(apiKeyFields));
export type ApiKeyResource = z.infer<typeof apiKeySchema>;

export const createdApiKeySchema = openApiRegistry.register(
  'CreatedApiKey',
  z.object({
    ...apiKeyFields,
    secret: z.string().openapi({ description: 'The key itself. Shown only in this answer: store it now.' }),
  }),
);
export type CreatedApiKeyResource = z.infer<typeof createdApiKeySchema>;

export const apiKeyListSchema = openApiRegistry.register(
  'ApiKeyList',
  z.object({
    object: z.literal('list'),
    data: z.array(apiKeySchema).openapi({ description: "The team's keys that are not revoked, oldest first." }),
    has_more: z.literal(false),
  }),
);
export type ApiKeyList = z.infer<typeof apiKeyListSchema>;

export const deletedApiKeySchema = openApiRegistry.register(
  'DeletedApiKey',
  z.object({ id: z.string(), object: z.literal('api_key'), deleted: z.literal(true) }),
);
export type DeletedApiKey = z.infer<typeof deletedApiKeySchema>;
