import { eventApiVersion, type EventResource, type EventType, type ReportRunResource } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { EventNotFound } from './errors.ts';
import type { TeamScope } from './scope.ts';

/**
 * Renders a run as `GET /v2/reporting/report_runs/{id}` shows it (a fresh download link
 * included). Passed in by the process that serves or sends events, which owns the storage
 * client that signs links.
 */
export type RenderRun = (run: ReportRun) => Promise<ReportRunResource>;

export interface StoredEvent {
  id: string;
  livemode: boolean;
  type: string;
  createdAt: Date;
  run: ReportRun;
  pendingWebhooks: number;
}

const withRun = {
  run: true,
  _count: { select: { deliveries: { where: { status: 'pending' as const } } } },
} as const;

type EventRow = Omit<StoredEvent, 'pendingWebhooks'> & { _count: { deliveries: number } };

const toStoredEvent = ({ _count, ...event }: EventRow): StoredEvent => ({ ...event, pendingWebhooks: _count.deliveries });

/** Stripe's `event` object. */
export async function toEventResource(event: StoredEvent, renderRun: RenderRun): Promise<EventResource> {
  return {
    id: event.id,
    object: 'event',
    api_version: eventApiVersion,
    created: Math.floor(event.createdAt.getTime() / 1000),
    livemode: event.livemode,
    type: event.type as EventType,
    data: { object: await renderRun(event.run) },
    pending_webhooks: event.pendingWebhooks,
  };
}

/** Newest first; event ids sort by creation time, so the cursor is the id itself. */
export async function listEvents(
  prisma: PrismaClient,
  scope: TeamScope,
  options: { limit: number; startingAfter?: string; type?: EventType },
): Promise<{ events: StoredEvent[]; hasMore: boolean }> {
  const rows = await prisma.event.findMany({
    where: {
      teamId: scope.teamId,
      livemode: scope.livemode,
      ...(options.type ? { type: options.type } : {}),
      ...(options.startingAfter ? { id: { lt: options.startingAfter } } : {}),
    },
    orderBy: { id: 'desc' },
    take: options.limit + 1,
    include: withRun,
  });
  return { events: rows.slice(0, options.limit).map(toStoredEvent), hasMore: rows.length > options.limit };
}

export async function getEvent(prisma: PrismaClient, scope: TeamScope, id: string): Promise<StoredEvent> {
  const row = await prisma.event.findFirst({
    where: { id, teamId: scope.teamId, livemode: scope.livemode },
    include: withRun,
  });
  if (!row) throw new EventNotFound(id);
  return toStoredEvent(row);
}

/** The retention sweep: events (and their deliveries) older than `olderThan` go. */
export async function deleteEventsBefore(prisma: PrismaClient, olderThan: Date): Promise<number> {
  const { count } = await prisma.event.deleteMany({ where: { createdAt: { lt: olderThan } } });
  return count;
}
