import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import type { Config, Logger } from '@reportrun/config';
import { storedResultOptions, type FailureDetails, type ResultFormat } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { reportRunJobSchema, type ReportRunJob } from '@reportrun/queue';
import { resultFileFormats } from '@reportrun/reports';
import type { ReportRunMetrics, RunOutcome } from '@reportrun/observability';
import { classifyFailure, compileRunTarget, exportReport, isSavedReportId, resolveRunTarget, summarizeResult, type ExportedFile } from '@reportrun/runner';
import {
  createProgressRecorder,
  failAttempt,
  renewLease,
  requeueAttempt,
  returnAttempt,
  startAttempt,
  succeedAttempt,
  type AttemptLease,
} from '@reportrun/status';
import { deleteObject, runResultKey, type Storage, type StorageZones } from '@reportrun/storage';
import { runInRunContext } from './process-guard.ts';
import { abortReasonOf, type ActiveRuns } from './run-abort.ts';

export interface ProcessorDependencies {
  prisma: PrismaClient;
  reportingPool: pg.Pool;
  /** The service's bucket, or the run's team zone's (stamped on the run when it was made). */
  storageZones: StorageZones;
  logger: Logger;
  config: Pick<
    Config,
    | 'RUN_TIMEOUT_SECONDS_MAX'
    | 'RESULT_RETENTION_SECONDS'
    | 'WORKER_LEASE_SECONDS'
    | 'RUN_MAX_CRASHES'
    | 'EXPORT_SHARDS'
    | 'EXPORT_SHARD_MIN_ROWS'
  >;
  activeRuns: ActiveRuns;
  /** How often a running export re-reads its run's status, the backstop for a missed cancel. */
  statusCheckIntervalMs: number;
  /** The shortest time between two writes of a run's progress (stage, rows, bytes). */
  progressIntervalMs: number;
  /** This process's name on the leases it takes (hostname:pid:random). */
  workerId: string;
  metrics: ReportRunMetrics;
}

/** One attempt of a run, as this worker holds it. */
interface Attempt {
  run: ReportRun;
  lease: AttemptLease;
  log: Logger;
  objectKey: string;
  compress: boolean;
  format: ResultFormat;
  escapeFormulas: boolean;
  timeoutSeconds: number;
  /** Set once bytes reach storage: from then on a failed attempt has an object to delete. */
  uploadStarted: boolean;
  /** Where the file goes; resolved as the export starts (a zone's credentials may be missing). */
  storage?: Storage;
  /** The run's labels on every metric: saved reports share one, so their ids never become series. */
  labels: { report: string; format: string };
  /** How the attempt ended, for the metrics; set as it settles (a settle that throws sets it first). */
  outcome: RunOutcome;
}

/**
 * Builds the BullMQ handler that turns one queued run into a file in the bucket, in four steps:
 * start (take the lease), watch (cancel, timeout, lease renewal), execute (export) and settle
 * (a fenced write of the outcome).
 */
export function createReportRunProcessor(deps: ProcessorDependencies) {
  return function processReportRun(job: Job<ReportRunJob>, token?: string): Promise<void> {
    const { runId } = reportRunJobSchema.parse(job.data);
    // Everything the run starts inherits its id, so the process guard can tell whose error it is.
    return runInRunContext(runId, () => processRun(deps, job, runId, token));
  };
}

async function processRun(deps: ProcessorDependencies, job: Job<ReportRunJob>, runId: string, token?: string) {
  const attempt = await startRun(deps, job, runId, token);
  if (!attempt) return;
  const controller = deps.activeRuns.start(runId);
  const stopWatching = watchRun(deps, attempt, controller);
  const started = Date.now();
  try {
    const file = await executeRun(deps, attempt, controller.signal);
    controller.signal.throwIfAborted();
    await settleSuccess(deps, attempt, file, Date.now() - started);
  } catch (error) {
    await settleFailure(deps, attempt, job, token, controller.signal, error, Date.now() - started);
  } finally {
    const labels = { ...attempt.labels, outcome: attempt.outcome };
    deps.metrics.runsFinished.inc(labels);
    deps.metrics.runDuration.observe(labels, (Date.now() - started) / 1000);
    stopWatching();
    deps.activeRuns.finish(runId, controller);
  }
}

/** Takes the run's lease, or says why this job has nothing to do (null) or must wait. */
async function startRun(
  deps: ProcessorDependencies,
  job: Job<ReportRunJob>,
  runId: string,
  token: string | undefined,
): Promise<Attempt | null> {
  const log = deps.logger.child({ runId, jobId: job.id });
  const start = await startAttempt(deps.prisma, runId, {
    owner: deps.workerId,
    leaseSeconds: deps.config.WORKER_LEASE_SECONDS,
    maxCrashes: deps.config.RUN_MAX_CRASHES,
  });
  if (start.outcome === 'skipped') {
    log.info('run is no longer running; skipping');
    return null;
  }
  if (start.outcome === 'leased') {
    // A live attempt still holds the run (its worker lost the queue's lock but not the run).
    // Come back when its lease would lapse; by then it has finished, or it is dead.
    log.warn({ leaseExpiresAt: start.until }, 'another attempt holds the run; waiting for its lease');
    await job.moveToDelayed(start.until.getTime() + 100, token);
    throw new DelayedError();
  }
  if (start.outcome === 'failed') {
    log.error({ code: start.failure.code }, 'run failed: its attempts kept ending in crashes');
    deps.metrics.runFailures.inc({ code: start.failure.code, final: 'true' });
    throw new UnrecoverableError(start.failure.message);
  }
  const { run, lease } = start;
  const attemptLog = log.child({ reportId: run.reportId, team: run.teamId, attempt: lease.attempt });
  if (start.crashed) attemptLog.warn({ crashes: run.crashCount }, 'the previous attempt ended without releasing the run');
  const resultOptions = storedResultOptions(run.resultOptions);
  const compress = resultOptions.compress_file;
  const extension = compress ? 'zip' : resultFileFormats[resultOptions.format].extension;
  const labels = { report: isSavedReportId(run.reportId) ? 'saved_report' : run.reportId, format: resultOptions.format };
  deps.metrics.runsStarted.inc(labels);
  if (lease.attempt === 1) deps.metrics.timeInQueue.observe({ report: labels.report }, (Date.now() - run.createdAt.getTime()) / 1000);
  return {
    run,
    lease,
    log: attemptLog,
    objectKey: runResultKey(run.teamId, run.id, lease.attempt, `${run.reportId}-${run.id}.${extension}`),
    compress,
    format: resultOptions.format,
    escapeFormulas: resultOptions.escape_formulas,
    timeoutSeconds: Math.min(run.timeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX),
    uploadStarted: false,
    labels,
    outcome: 'failed',
  };
}

/**
 * Stops the attempt when its time is up, when the run ended elsewhere (the backstop for a missed
 * cancel broadcast), or when the lease cannot be renewed because another attempt holds the run.
 * Returns the function that stops watching.
 */
function watchRun(deps: ProcessorDependencies, attempt: Attempt, controller: AbortController): () => void {
  const { runId } = attempt.lease;
  const wallClock = setTimeout(
    () => deps.activeRuns.abort(runId, { kind: 'timeout', seconds: attempt.timeoutSeconds }),
    attempt.timeoutSeconds * 1000,
  );
  const statusCheck = setInterval(() => {
    void deps.prisma.reportRun
      .findUnique({ where: { id: runId }, select: { status: true } })
      .then((current) => {
        if (current && current.status !== 'running') deps.activeRuns.abort(runId, { kind: 'canceled' });
      })
      .catch(() => {});
  }, deps.statusCheckIntervalMs);
  // Renewed three times per lease, so one slow or failed renewal never lets the lease lapse.
  const renewal = setInterval(() => {
    if (controller.signal.aborted) return;
    void renewLease(deps.prisma, attempt.lease, deps.config.WORKER_LEASE_SECONDS)
      .then(async (held) => {
        deps.metrics.leaseRenewals.inc({ result: held ? 'renewed' : 'lost' });
        if (held) return;
        const current = await deps.prisma.reportRun.findUnique({ where: { id: runId }, select: { status: true } });
        deps.activeRuns.abort(runId, current?.status === 'running' ? { kind: 'lease_lost' } : { kind: 'canceled' });
      })
      // The database is unreachable: the attempt's own queries fail too, and it settles then.
      .catch((error: unknown) => {
        deps.metrics.leaseRenewals.inc({ result: 'error' });
        attempt.log.warn({ err: error }, 'could not renew the lease');
      });
  }, (deps.config.WORKER_LEASE_SECONDS * 1000) / 3);
  return () => {
    clearTimeout(wallClock);
    clearInterval(statusCheck);
    clearInterval(renewal);
  };
}

/** Resolves the run's report, compiles it and streams the file into storage. */
async function executeRun(deps: ProcessorDependencies, attempt: Attempt, signal: AbortSignal): Promise<ExportedFile> {
  const target = await resolveRunTarget(deps.prisma, attempt.run);
  const compiled = compileRunTarget(target, attempt.run, { format: attempt.format, escapeFormulas: attempt.escapeFormulas });
  const storage = await deps.storageZones.storageFor(attempt.run.storageZoneId);
  attempt.storage = storage;
  const progress = createProgressRecorder(deps.prisma, attempt.lease, {
    intervalMs: deps.progressIntervalMs,
    onError: (error) => attempt.log.warn({ err: error }, 'could not record progress'),
  });
  try {
    return await exportReport({
      reportingPool: deps.reportingPool,
      storage,
      compiled,
      objectKey: attempt.objectKey,
      filename: `${attempt.run.reportId}-${attempt.run.id}`,
      compress: attempt.compress,
      statementTimeoutMs: attempt.timeoutSeconds * 1000,
      shards: { shards: deps.config.EXPORT_SHARDS, minRows: deps.config.EXPORT_SHARD_MIN_ROWS },
      signal,
      onUploadStarted: () => {
        attempt.uploadStarted = true;
      },
      onProgress: ({ rows, bytes }) => progress.update({ stage: 'uploading', rows, bytes }),
      // heyhumm's run view shows the totals in a scheduled run's summary; other runs skip the
      // extra aggregate and summarize rows and size only.
      measureTotals: attempt.run.scheduleId !== null,
    });
  } finally {
    // The outcome is written after the last progress write, never overtaken by it.
    await progress.stop();
  }
}

async function settleSuccess(deps: ProcessorDependencies, attempt: Attempt, file: ExportedFile, ms: number) {
  const succeeded = await succeedAttempt(
    deps.prisma,
    attempt.lease,
    {
      contentType: attempt.compress ? 'zip' : attempt.format,
      objectKey: attempt.objectKey,
      size: file.size,
      rows: file.rows,
      summary: summarizeResult(file),
    },
    { resultRetentionSeconds: deps.config.RESULT_RETENTION_SECONDS },
  );
  if (!succeeded) {
    // Canceled, or taken over by another attempt, while this one exported: its file is nobody's
    // result. Only this attempt's own object is deleted (the key carries the attempt number).
    attempt.log.info('the attempt no longer holds the run; discarding its file');
    attempt.outcome = 'discarded';
    if (attempt.storage) await deleteObject(attempt.storage, attempt.objectKey).catch(() => {});
    return;
  }
  attempt.outcome = 'succeeded';
  deps.metrics.rowsExported.inc(attempt.labels, file.rows);
  deps.metrics.bytesExported.inc(attempt.labels, file.size);
  attempt.log.info({ rows: file.rows, bytes: file.size, ms }, 'report run succeeded');
}

async function settleFailure(
  deps: ProcessorDependencies,
  attempt: Attempt,
  job: Job<ReportRunJob>,
  token: string | undefined,
  signal: AbortSignal,
  error: unknown,
  ms: number,
): Promise<void> {
  const { log, lease } = attempt;
  if (attempt.uploadStarted && attempt.storage) await deleteObject(attempt.storage, attempt.objectKey).catch(() => {});
  const aborted = abortReasonOf(signal);
  if (aborted?.kind === 'canceled') {
    attempt.outcome = 'canceled';
    log.info({ ms }, 'report run canceled; query and upload stopped');
    return;
  }
  if (aborted?.kind === 'lease_lost') {
    attempt.outcome = 'lease_lost';
    log.warn({ ms }, 'the attempt lost the run to another attempt; stopped without writing');
    return;
  }
  if (aborted?.kind === 'shutdown') {
    // Back to the queue as if never started: the attempt is given back and the lease released,
    // so the next worker takes the run at once and its attempts count stays honest.
    attempt.outcome = 'returned';
    log.info('worker shutting down; returning the run to the queue');
    await returnAttempt(deps.prisma, lease).catch((returnError: unknown) =>
      log.error({ err: returnError }, 'could not release the run; it is retaken once its lease lapses'),
    );
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError();
  }
  const failure: FailureDetails =
    aborted?.kind === 'timeout'
      ? { code: 'timeout', message: `The run exceeded its ${aborted.seconds} s time limit.`, retryable: false }
      : classifyFailure(aborted?.kind === 'fault' ? aborted.error : error);
  const attemptsAllowed = job.opts.attempts ?? 1;
  const final = !(failure.retryable && job.attemptsMade + 1 < attemptsAllowed);
  deps.metrics.runFailures.inc({ code: failure.code, final: String(final) });
  if (!final) {
    attempt.outcome = 'retried';
    log.warn({ err: error, code: failure.code }, 'transient failure; will retry');
    await requeueAttempt(deps.prisma, lease).catch(() => {});
    throw error;
  }
  log.error({ err: error, code: failure.code }, 'report run failed');
  if (!(await failAttempt(deps.prisma, lease, failure))) log.info('the attempt no longer holds the run; failure not recorded');
  throw new UnrecoverableError(failure.message);
}
