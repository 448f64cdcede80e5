import type { EventType, WebhookDeliveryResource } from '@reportrun/core';
import { Prisma, type PrismaClient } from '@reportrun/db';
import { getWebhookEndpoint } from './endpoints.ts';
import { getEvent } from './events.ts';
import type { TeamScope } from './scope.ts';

const unix = (date: Date) => Math.floor(date.getTime() / 1000);

const withHistory = {
  event: { select: { type: true } },
  attemptLog: { orderBy: { attempt: 'asc' as const } },
} as const;

type DeliveryRow = Prisma.WebhookDeliveryGetPayload<{ include: typeof withHistory }>;

export function toWebhookDeliveryResource(row: DeliveryRow): WebhookDeliveryResource {
  return {
    id: row.id,
    object: 'webhook_delivery',
    event: row.eventId,
    event_type: row.event.type as EventType,
    webhook_endpoint: row.endpointId,
    status: row.status,
    attempts: row.attempts,
    // While a send is in flight the row's next time is its claim's expiry, not a retry.
    next_retry_at: row.status === 'pending' && row.nextAttemptAt ? unix(row.nextAttemptAt) : null,
    created: unix(row.createdAt),
    attempt_history: row.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      status_code: attempt.statusCode,
      error: attempt.error,
      attempted_at: unix(attempt.attemptedAt),
      duration_ms: attempt.durationMs,
      next_retry_at: attempt.nextRetryAt ? unix(attempt.nextRetryAt) : null,
    })),
  };
}

/** An endpoint's deliveries, newest first (by creation, then id, the cursor's own position). */
export async function listEndpointDeliveries(
  prisma: PrismaClient,
  scope: TeamScope,
  endpointId: string,
  options: { limit: number; startingAfter?: string },
): Promise<{ deliveries: WebhookDeliveryResource[]; hasMore: boolean }> {
  await getWebhookEndpoint(prisma, scope, endpointId);
  const cursor = options.startingAfter
    ? await prisma.webhookDelivery.findFirst({ where: { id: options.startingAfter, endpointId }, select: { id: true, createdAt: true } })
    : null;
  const rows = await prisma.webhookDelivery.findMany({
    where: {
      endpointId,
      ...(cursor
        ? { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] }
        : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: options.limit + 1,
    include: withHistory,
  });
  return { deliveries: rows.slice(0, options.limit).map(toWebhookDeliveryResource), hasMore: rows.length > options.limit };
}

/**
 * Sends an event again: to one endpoint of the team's (whatever its enabled events), or to
 * every endpoint that wants the event's type now. A delivery that exists starts over as pending
 * with a fresh retry window (its attempts keep counting); a missing one is created. Resending
 * a delivery whose attempt is in flight releases its claim: the next send may overlap that
 * attempt (delivery is at least once, and the resend was asked for), and the in-flight
 * attempt's result is then not recorded, its fenced write matching no row.
 */
export async function resendEvent(
  prisma: PrismaClient,
  scope: TeamScope,
  eventId: string,
  endpointId?: string,
): Promise<WebhookDeliveryResource[]> {
  const event = await getEvent(prisma, scope, eventId);
  if (endpointId !== undefined) await getWebhookEndpoint(prisma, scope, endpointId);
  const endpointFilter = endpointId
    ? Prisma.sql`endpoint.id = ${endpointId}`
    : Prisma.sql`(event.type = ANY (endpoint.enabled_events) OR '*' = ANY (endpoint.enabled_events))`;
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "public"."webhook_deliveries" (event_id, endpoint_id, next_attempt_at)
    SELECT event.id, endpoint.id, now()
      FROM "public"."events" event
      JOIN "public"."webhook_endpoints" endpoint
        ON endpoint.team_id = event.team_id AND endpoint.livemode = event.livemode
     WHERE event.id = ${event.id} AND ${endpointFilter}
    ON CONFLICT (event_id, endpoint_id) DO UPDATE
       SET status = 'pending', next_attempt_at = now(), started_at = now(), claimed_by = NULL, updated_at = now()
    RETURNING id`;
  if (rows.length === 0) return [];
  const deliveries = await prisma.webhookDelivery.findMany({
    where: { id: { in: rows.map((row) => row.id) } },
    orderBy: { endpointId: 'asc' },
    include: withHistory,
  });
  return deliveries.map(toWebhookDeliveryResource);
}
