import type { Logger } from '@reportrun/config';
import type { PrismaClient } from '@reportrun/db';
import { nextRetryAt, type RetrySettings } from './backoff.ts';
import { getEvent, toEventResource, type RenderRun } from './events.ts';
import { postWebhook, type PostOutcome } from './http-post.ts';
import { stripeSignatureHeader } from './signing.ts';
import { literalAddressRefusal } from './url-safety.ts';

export interface SenderDependencies {
  prisma: PrismaClient;
  logger: Logger;
  renderRun: RenderRun;
}

export interface SenderSettings {
  retry: RetrySettings;
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Names this sender on the rows it claims (host:pid:random), fencing its writes. */
  owner: string;
  /** Deliveries claimed (and sent side by side) per pass. */
  batchSize?: number;
}

export interface SendSummary {
  succeeded: number;
  retrying: number;
  gaveUp: number;
}

interface ClaimedDelivery {
  id: string;
  eventId: string;
  endpointId: string;
  attempt: number;
  startedAt: Date;
}

/**
 * One pass of the sender: claims due deliveries and POSTs each, signed, once.
 *
 * The outbox lives in Postgres rather than a BullMQ queue because it must be written in the
 * same transaction as the run's state change (a Redis enqueue after the commit could be lost
 * with the process); draining it from the scheduler keeps it one table with one owner.
 *
 * The claim is one statement: `FOR UPDATE SKIP LOCKED` picks due rows no other sender is
 * claiming at that instant, and the UPDATE pushes their `next_attempt_at` past the request's
 * deadline, so once committed no other sender sees them as due until this one has had time
 * to finish. A sender that dies mid-request leaves the row to be claimed again after that:
 * delivery is at least once. Results are written fenced by (claimed_by, attempts).
 */
export async function sendDueWebhooks(deps: SenderDependencies, settings: SenderSettings): Promise<SendSummary> {
  const claimSeconds = settings.timeoutMs / 1000 + 30;
  const claimed = await deps.prisma.$queryRaw<ClaimedDelivery[]>`
    WITH due AS (
      SELECT id FROM "public"."webhook_deliveries"
       WHERE status = 'pending' AND next_attempt_at <= now()
       ORDER BY next_attempt_at
       LIMIT ${settings.batchSize ?? 20}
         FOR UPDATE SKIP LOCKED
    )
    UPDATE "public"."webhook_deliveries" delivery
       SET attempts = delivery.attempts + 1,
           claimed_by = ${settings.owner},
           next_attempt_at = now() + make_interval(secs => ${claimSeconds}),
           updated_at = now()
      FROM due
     WHERE delivery.id = due.id
 RETURNING delivery.id, delivery.event_id AS "eventId", delivery.endpoint_id AS "endpointId",
           delivery.attempts AS "attempt", delivery.started_at AS "startedAt"`;
  const summary: SendSummary = { succeeded: 0, retrying: 0, gaveUp: 0 };
  await Promise.all(
    claimed.map(async (delivery) => {
      const log = deps.logger.child({ deliveryId: delivery.id, eventId: delivery.eventId, endpointId: delivery.endpointId });
      try {
        const result = await sendOne(deps, settings, delivery);
        if (!result) return;
        summary[result] += 1;
        log[result === 'succeeded' ? 'debug' : 'info']({ attempt: delivery.attempt, result }, 'webhook delivery attempt');
      } catch (error) {
        // The row stays claimed until its claim expires, then it is tried again.
        log.error({ err: error }, 'webhook delivery attempt could not be recorded');
      }
    }),
  );
  return summary;
}

async function sendOne(
  deps: SenderDependencies,
  settings: SenderSettings,
  delivery: ClaimedDelivery,
): Promise<keyof SendSummary | undefined> {
  const endpoint = await deps.prisma.webhookEndpoint.findUnique({ where: { id: delivery.endpointId } });
  const eventRow = await deps.prisma.event.findUnique({ where: { id: delivery.eventId }, select: { teamId: true, livemode: true } });
  // Deleted meanwhile: the cascade removed this row too, and there is nothing to record.
  if (!endpoint || !eventRow) return undefined;
  const event = await toEventResource(await getEvent(deps.prisma, eventRow, delivery.eventId), deps.renderRun);
  const payload = JSON.stringify(event, null, 2);
  const url = new URL(endpoint.url);
  const attemptedAt = new Date();
  const refusal = settings.allowPrivateUrls ? undefined : literalAddressRefusal(url);
  const outcome: PostOutcome = refusal
    ? { error: `webhook_url_refused: ${refusal}` }
    : await postWebhook(
        url,
        payload,
        {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'ReportRun-Webhooks/1.0',
          'stripe-signature': stripeSignatureHeader(endpoint.secret, payload, Math.floor(Date.now() / 1000)),
        },
        { timeoutMs: settings.timeoutMs, publicOnly: !settings.allowPrivateUrls },
      );
  const finished = new Date();
  const succeeded = outcome.statusCode !== undefined && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const retryAt = succeeded ? null : nextRetryAt(delivery.attempt, delivery.startedAt, finished, settings.retry);
  const status = succeeded ? 'succeeded' : retryAt ? 'pending' : 'failed';
  const error =
    outcome.error ??
    (succeeded ? null : outcome.statusCode! >= 300 && outcome.statusCode! < 400 ? `redirect (${outcome.statusCode}) not followed` : `HTTP ${outcome.statusCode}`);
  await deps.prisma.$transaction(async (tx) => {
    const moved = await tx.$executeRaw`
      UPDATE "public"."webhook_deliveries"
         SET status = ${status}::"public"."webhook_delivery_status", next_attempt_at = ${retryAt},
             claimed_by = NULL, updated_at = now()
       WHERE id = ${delivery.id}::uuid AND claimed_by = ${settings.owner} AND attempts = ${delivery.attempt}`;
    // A sender whose claim expired and was taken over records nothing: the new owner will.
    if (moved === 0) return;
    await tx.webhookDeliveryAttempt.create({
      data: {
        deliveryId: delivery.id,
        attempt: delivery.attempt,
        statusCode: outcome.statusCode ?? null,
        error,
        attemptedAt,
        durationMs: finished.getTime() - attemptedAt.getTime(),
        nextRetryAt: retryAt,
      },
    });
  });
  return succeeded ? 'succeeded' : retryAt ? 'retrying' : 'gaveUp';
}
