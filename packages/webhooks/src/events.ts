import { eventApiVersion, type EventResource, type EventType, type ReportRunResource, type ScheduleSlotEventObject } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { EventNotFound } from './errors.ts';
import type { TeamScope } from './scope.ts';

/**
 * Renders a run as `GET /v2/reporting/report_runs/{id}` shows it (a fresh download link
 * included). Passed in by the process that serves or sends events, which owns the storage
 * client that signs links.
 */
export type RenderRun = (run: ReportRun) => Promise<ReportRunResource>;

/** A schedule slot as its events show it, with its schedule and the runs it made. */
interface StoredSlot {
  id: string;
  scheduledAt: Date;
  state: 'fired' | 'missed';
  kind: string;
  threadId: string | null;
  schedule: { id: string; name: string; commandId: string; organizationId: string };
  runs: { id: string }[];
}

export interface StoredEvent {
  id: string;
  livemode: boolean;
  type: string;
  createdAt: Date;
  /** What the event is about: a run, or a schedule slot (exactly one is set). */
  run: ReportRun | null;
  slot: StoredSlot | null;
  pendingWebhooks: number;
}

const withSubject = {
  run: true,
  slot: {
    select: {
      id: true,
      scheduledAt: true,
      state: true,
      kind: true,
      threadId: true,
      schedule: { select: { id: true, name: true, commandId: true, organizationId: true } },
      runs: { select: { id: true }, orderBy: { id: 'asc' as const } },
    },
  },
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
    data: { object: event.run ? await renderRun(event.run) : toSlotObject(event.slot!) },
    pending_webhooks: event.pendingWebhooks,
  };
}

function toSlotObject(slot: StoredSlot): ScheduleSlotEventObject {
  return {
    object: 'schedule_slot',
    id: slot.id,
    schedule_id: slot.schedule.id,
    schedule_name: slot.schedule.name,
    command_id: slot.schedule.commandId,
    organization_id: slot.schedule.organizationId,
    scheduled_at: slot.scheduledAt.toISOString(),
    state: slot.state,
    kind: slot.kind as ScheduleSlotEventObject['kind'],
    thread_id: slot.threadId,
    run_ids: slot.runs.map((run) => run.id),
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
    include: withSubject,
  });
  return { events: rows.slice(0, options.limit).map(toStoredEvent), hasMore: rows.length > options.limit };
}

export async function getEvent(prisma: PrismaClient, scope: TeamScope, id: string): Promise<StoredEvent> {
  const row = await prisma.event.findFirst({
    where: { id, teamId: scope.teamId, livemode: scope.livemode },
    include: withSubject,
  });
  if (!row) throw new EventNotFound(id);
  return toStoredEvent(row);
}

/** The retention sweep: events (and their deliveries) older than `olderThan` go. */
export async function deleteEventsBefore(prisma: PrismaClient, olderThan: Date): Promise<number> {
  const { count } = await prisma.event.deleteMany({ where: { createdAt: { lt: olderThan } } });
  return count;
}
