import { idPrefix, newId, type EventType } from '@reportrun/core';
import type { Prisma, PrismaClient } from '@reportrun/db';

/** The event a run's terminal status announces; a running run announces nothing. */
export function runEventType(status: string): EventType | undefined {
  if (status === 'succeeded') return 'report_run.succeeded';
  if (status === 'failed') return 'report_run.failed';
  if (status === 'canceled') return 'report_run.canceled';
  return undefined;
}

export interface EndedRun {
  id: string;
  teamId: string;
  livemode: boolean;
  status: string;
}

/** What an event is about: a run, or a schedule slot. */
export type EventSubject = { runId: string } | { slotId: string };

export interface NewEvent {
  teamId: string;
  livemode: boolean;
  type: EventType;
  subject: EventSubject;
}

/**
 * Writes an event and one outbox row for each of the team's endpoints (in the event's mode) that
 * wants its type, in one statement. Call it inside the transaction of the change it announces,
 * only when the change happened: then an event exists exactly when the change committed, and a
 * process dying after the commit loses no delivery.
 */
export async function recordEvent(tx: Prisma.TransactionClient | PrismaClient, event: NewEvent): Promise<string> {
  const eventId = newId(idPrefix.event);
  const runId = 'runId' in event.subject ? event.subject.runId : null;
  const slotId = 'slotId' in event.subject ? event.subject.slotId : null;
  await tx.$executeRaw`
    WITH event AS (
      INSERT INTO "public"."events" (id, team_id, livemode, type, run_id, slot_id)
      VALUES (${eventId}, ${event.teamId}, ${event.livemode}, ${event.type}, ${runId}, ${slotId}::uuid)
      RETURNING id, team_id, livemode, type
    )
    INSERT INTO "public"."webhook_deliveries" (event_id, endpoint_id, next_attempt_at)
    SELECT event.id, endpoint.id, now()
      FROM event
      JOIN "public"."webhook_endpoints" endpoint
        ON endpoint.team_id = event.team_id AND endpoint.livemode = event.livemode
       AND (event.type = ANY (endpoint.enabled_events) OR '*' = ANY (endpoint.enabled_events))`;
  return eventId;
}

/** The event for a run that just ended (inside the state change's transaction); none while it runs. */
export async function recordRunEvent(
  tx: Prisma.TransactionClient | PrismaClient,
  run: EndedRun,
): Promise<string | undefined> {
  const type = runEventType(run.status);
  if (!type) return undefined;
  return recordEvent(tx, { teamId: run.teamId, livemode: run.livemode, type, subject: { runId: run.id } });
}
