import { randomBytes } from 'node:crypto';
import {
  idPrefix,
  newId,
  type CreateWebhookEndpointRequest,
  type UpdateWebhookEndpointRequest,
  type WebhookEndpointResource,
} from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';
import { WebhookEndpointNotFound } from './errors.ts';
import type { TeamScope } from './scope.ts';
import { assertWebhookUrlAllowed, type UrlPolicy } from './url-safety.ts';

export interface WebhookEndpoint {
  id: string;
  teamId: string;
  livemode: boolean;
  url: string;
  description: string | null;
  enabledEvents: string[];
  secret: string;
  createdAt: Date;
}

export function toWebhookEndpointResource(endpoint: WebhookEndpoint): WebhookEndpointResource {
  return {
    id: endpoint.id,
    object: 'webhook_endpoint',
    url: endpoint.url,
    description: endpoint.description,
    enabled_events: endpoint.enabledEvents,
    livemode: endpoint.livemode,
    status: 'enabled',
    created: Math.floor(endpoint.createdAt.getTime() / 1000),
  };
}

/** `whsec_` and 32 characters of randomness, as Stripe's secrets look. */
const newSigningSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

export async function createWebhookEndpoint(
  prisma: PrismaClient,
  scope: TeamScope,
  input: CreateWebhookEndpointRequest,
  policy: UrlPolicy,
): Promise<WebhookEndpoint> {
  await assertWebhookUrlAllowed(input.url, policy);
  return prisma.webhookEndpoint.create({
    data: {
      id: newId(idPrefix.webhookEndpoint),
      teamId: scope.teamId,
      livemode: scope.livemode,
      url: input.url,
      description: input.description ?? null,
      enabledEvents: input.enabled_events,
      secret: newSigningSecret(),
    },
  });
}

export async function listWebhookEndpoints(
  prisma: PrismaClient,
  scope: TeamScope,
  options: { limit: number; startingAfter?: string },
): Promise<{ endpoints: WebhookEndpoint[]; hasMore: boolean }> {
  const rows = await prisma.webhookEndpoint.findMany({
    where: { ...scope, ...(options.startingAfter ? { id: { lt: options.startingAfter } } : {}) },
    orderBy: { id: 'desc' },
    take: options.limit + 1,
  });
  return { endpoints: rows.slice(0, options.limit), hasMore: rows.length > options.limit };
}

export async function getWebhookEndpoint(prisma: PrismaClient, scope: TeamScope, id: string): Promise<WebhookEndpoint> {
  const endpoint = await prisma.webhookEndpoint.findFirst({ where: { id, ...scope } });
  if (!endpoint) throw new WebhookEndpointNotFound(id);
  return endpoint;
}

export async function updateWebhookEndpoint(
  prisma: PrismaClient,
  scope: TeamScope,
  id: string,
  input: UpdateWebhookEndpointRequest,
  policy: UrlPolicy,
): Promise<WebhookEndpoint> {
  if (input.url !== undefined) await assertWebhookUrlAllowed(input.url, policy);
  const [endpoint] = await prisma.webhookEndpoint.updateManyAndReturn({
    where: { id, ...scope },
    data: {
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.enabled_events !== undefined ? { enabledEvents: input.enabled_events } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      updatedAt: new Date(),
    },
  });
  if (!endpoint) throw new WebhookEndpointNotFound(id);
  return endpoint;
}

/** Deleting an endpoint drops its pending deliveries with it: nobody wants them any more. */
export async function deleteWebhookEndpoint(prisma: PrismaClient, scope: TeamScope, id: string): Promise<void> {
  const { count } = await prisma.webhookEndpoint.deleteMany({ where: { id, ...scope } });
  if (count === 0) throw new WebhookEndpointNotFound(id);
}
