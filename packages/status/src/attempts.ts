import { Prisma, reportRunFromRow, type ReportRunRow } from '@reportrun/db';
import type { FailureDetails, ProgressDetails } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { decideAttemptStart, type AttemptStartPolicy, type RunAtStart } from './attempt-policy.ts';
import { endTerminally, type RunFile } from './transitions.ts';

/**
 * An attempt's hold on a run. Every write the attempt makes is fenced by it (the attempt number
 * and the owner, like graphile-worker's `locked_by`): once another attempt has started, or the
 * run ended, the stale attempt's writes match no row and it must stop.
 */
export interface AttemptLease {
  runId: string;
  owner: string;
  attempt: number;
}

export interface AttemptStartOptions extends AttemptStartPolicy {
  owner: string;
  leaseSeconds: number;
}

export type AttemptStart =
  | { outcome: 'started'; run: ReportRun; lease: AttemptLease; crashed: boolean }
  /** The run ended, or another process started it at the same instant. */
  | { outcome: 'skipped' }
  | { outcome: 'leased'; until: Date }
  | { outcome: 'failed'; failure: FailureDetails };

const fence = (lease: AttemptLease) =>
  ({ id: lease.runId, status: 'running', attempts: lease.attempt, leaseOwner: lease.owner }) as const;

const released = { leaseOwner: null, leaseAttempt: null, leaseExpiresAt: null } as const;

/**
 * Starts an attempt: reads the run's lease, decides (see decideAttemptStart), and carries the
 * decision out as one UPDATE conditional on the lease it read, so of two processes starting the
 * same run at once exactly one gets the lease. Time is the database's, as for every lease check.
 */
export async function startAttempt(
  prisma: PrismaClient,
  runId: string,
  options: AttemptStartOptions,
): Promise<AttemptStart> {
  const [seen] = await prisma.$queryRaw<(RunAtStart & { attempts: number; now: Date })[]>`
    SELECT status::text AS "status", attempts, lease_owner AS "leaseOwner",
           lease_expires_at AS "leaseExpiresAt", crash_count AS "crashCount", now() AS "now"
      FROM "public"."report_runs" WHERE id = ${runId}`;
  if (!seen) return { outcome: 'skipped' };
  const decision = decideAttemptStart(seen, options, seen.now);
  if (decision.action === 'skip') return { outcome: 'skipped' };
  if (decision.action === 'wait') return { outcome: 'leased', until: decision.until };
  const sameLease = Prisma.sql`id = ${runId} AND status = 'running' AND attempts = ${seen.attempts}
        AND lease_owner IS NOT DISTINCT FROM ${seen.leaseOwner}`;
  if (decision.action === 'fail') {
    const failed = await endTerminally(prisma, async (tx) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`
        UPDATE "public"."report_runs"
           SET status = 'failed', failed_at = now(), status_details = ${JSON.stringify(decision.failure)}::jsonb,
               crash_count = crash_count + 1, lease_owner = NULL, lease_attempt = NULL, lease_expires_at = NULL
         WHERE ${sameLease}
     RETURNING id`;
      return rows.length === 1 ? [await tx.reportRun.findUniqueOrThrow({ where: { id: runId } })] : [];
    });
    return failed ? { outcome: 'failed', failure: decision.failure } : { outcome: 'skipped' };
  }
  const rows = await prisma.$queryRaw<ReportRunRow[]>`
    UPDATE "public"."report_runs"
       SET active_at = COALESCE(active_at, now()),
           attempts = attempts + 1,
           crash_count = crash_count + ${decision.crashed ? 1 : 0},
           lease_owner = ${options.owner},
           lease_attempt = attempts + 1,
           lease_expires_at = now() + make_interval(secs => ${options.leaseSeconds}),
           status_details = ${JSON.stringify({ stage: 'querying' } satisfies ProgressDetails)}::jsonb
     WHERE ${sameLease}
 RETURNING *`;
  if (rows.length === 0) return { outcome: 'skipped' };
  const run = reportRunFromRow(rows[0]!);
  return {
    outcome: 'started',
    run,
    lease: { runId, owner: options.owner, attempt: run.attempts },
    crashed: decision.crashed,
  };
}

/** Extends the lease; false when the attempt no longer holds the run and must stop. */
export async function renewLease(prisma: PrismaClient, lease: AttemptLease, leaseSeconds: number): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE "public"."report_runs" SET lease_expires_at = now() + make_interval(secs => ${leaseSeconds})
     WHERE id = ${lease.runId} AND status = 'running' AND attempts = ${lease.attempt} AND lease_owner = ${lease.owner}
 RETURNING id`;
  return rows.length === 1;
}

export async function recordAttemptProgress(
  prisma: PrismaClient,
  lease: AttemptLease,
  progress: ProgressDetails,
): Promise<boolean> {
  const { count } = await prisma.reportRun.updateMany({ where: fence(lease), data: { statusDetails: progress } });
  return count === 1;
}

/**
 * The attempt's file becomes the run's result, only while the attempt still holds the run; a
 * null answer means the file is nobody's result and the caller deletes it.
 */
export async function succeedAttempt(
  prisma: PrismaClient,
  lease: AttemptLease,
  file: RunFile,
  { resultRetentionSeconds }: { resultRetentionSeconds?: number } = {},
): Promise<ReportRun | null> {
  const succeededAt = new Date();
  return endTerminally(prisma, (tx) => tx.reportRun.updateManyAndReturn({
    where: fence(lease),
    data: {
      status: 'succeeded',
      succeededAt,
      fileExpiresAt:
        resultRetentionSeconds === undefined ? null : new Date(succeededAt.getTime() + resultRetentionSeconds * 1000),
      statusDetails: {},
      fileContentType: file.contentType,
      fileObjectKey: file.objectKey,
      fileSize: BigInt(file.size),
      fileRows: BigInt(file.rows),
      // Written with the result under the same fence: a run that shows a summary has its file.
      summary: file.summary ?? null,
      ...released,
    },
  }));
}

export async function failAttempt(
  prisma: PrismaClient,
  lease: AttemptLease,
  details: FailureDetails,
): Promise<ReportRun | null> {
  return endTerminally(prisma, (tx) =>
    tx.reportRun.updateManyAndReturn({
      where: fence(lease),
      data: { status: 'failed', failedAt: new Date(), statusDetails: details, ...released },
    }),
  );
}

/** A transient failure: the attempt is spent, the lease released, and the run waits for its retry. */
export async function requeueAttempt(prisma: PrismaClient, lease: AttemptLease): Promise<boolean> {
  const { count } = await prisma.reportRun.updateMany({
    where: fence(lease),
    data: { statusDetails: { stage: 'queued' } satisfies ProgressDetails, ...released },
  });
  return count === 1;
}

/**
 * The worker is shutting down: the run goes back to the queue as if this attempt never started
 * (its attempt is given back), and the lease is released so the next worker takes it at once.
 */
export async function returnAttempt(prisma: PrismaClient, lease: AttemptLease): Promise<boolean> {
  const { count } = await prisma.reportRun.updateMany({
    where: fence(lease),
    data: { attempts: { decrement: 1 }, statusDetails: { stage: 'queued' } satisfies ProgressDetails, ...released },
  });
  return count === 1;
}
