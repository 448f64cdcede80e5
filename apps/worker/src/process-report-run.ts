import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import type { Config, Logger } from '@reportrun/config';
import { DomainError, storedResultOptions, type ResultFormat } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { reportRunJobSchema, type ReportRunJob } from '@reportrun/queue';
import {
  compileReportSql,
  findCatalogReport,
  resultFileFormats,
  validateReportParameters,
  type CompiledReport,
} from '@reportrun/reports';
import { markRunActive, markRunFailed, markRunSucceeded, updateRunProgress } from '@reportrun/status';
import { deleteObject, runResultKey, type Storage } from '@reportrun/storage';
import { exportReport } from './export-report.ts';
import { classifyFailure } from './failure.ts';
import { runInRunContext } from './process-guard.ts';
import { abortReasonOf, type ActiveRuns } from './run-abort.ts';
import { compileSavedReportRun, isSavedReportRun } from './saved-report-run.ts';

export interface ProcessorDependencies {
  prisma: PrismaClient;
  reportingPool: pg.Pool;
  storage: Storage;
  logger: Logger;
  config: Pick<Config, 'RUN_TIMEOUT_SECONDS_MAX' | 'RESULT_RETENTION_SECONDS'>;
  activeRuns: ActiveRuns;
  /** How often a running export re-reads its run's status, the backstop for a missed cancel. */
  statusCheckIntervalMs: number;
}

/** Builds the BullMQ handler that turns one queued run into a file in the bucket. */
export function createReportRunProcessor(deps: ProcessorDependencies) {
  return function processReportRun(job: Job<ReportRunJob>, token?: string): Promise<void> {
    const { runId } = reportRunJobSchema.parse(job.data);
    // Everything the run starts inherits its id, so the process guard can tell whose error it is.
    return runInRunContext(runId, () => processRun(job, runId, token));
  };

  async function processRun(job: Job<ReportRunJob>, runId: string, token?: string): Promise<void> {
    let log = deps.logger.child({ runId, jobId: job.id });
    const run = await markRunActive(deps.prisma, runId);
    if (!run) {
      log.info('run is no longer running; skipping');
      return;
    }
    log = log.child({ reportId: run.reportId, team: run.teamId, attempt: run.attempts });
    const resultOptions = storedResultOptions(run.resultOptions);
    const compress = resultOptions.compress_file;
    const extension = compress ? 'zip' : resultFileFormats[resultOptions.format].extension;
    const objectKey = runResultKey(run.teamId, run.id, run.attempts, `${run.reportId}-${run.id}.${extension}`);
    const timeoutSeconds = Math.min(run.timeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX);

    const controller = deps.activeRuns.start(runId);
    const { signal } = controller;
    const wallClock = setTimeout(
      () => deps.activeRuns.abort(runId, { kind: 'timeout', seconds: timeoutSeconds }),
      timeoutSeconds * 1000,
    );
    const statusCheck = setInterval(() => {
      void deps.prisma.reportRun
        .findUnique({ where: { id: runId }, select: { status: true } })
        .then((current) => {
          if (current && current.status !== 'running') deps.activeRuns.abort(runId, { kind: 'canceled' });
        })
        .catch(() => {});
    }, deps.statusCheckIntervalMs);

    let uploadStarted = false;
    const started = Date.now();
    try {
      const compileOptions = { format: resultOptions.format, escapeFormulas: resultOptions.escape_formulas };
      const file = await exportReport({
        reportingPool: deps.reportingPool,
        storage: deps.storage,
        compiled: isSavedReportRun(run)
          ? await compileSavedReportRun(deps.prisma, run, compileOptions)
          : compileCatalogReportRun(run, compileOptions),
        objectKey,
        filename: `${run.reportId}-${run.id}`,
        compress,
        statementTimeoutMs: timeoutSeconds * 1000,
        signal,
        onUploadStarted: () => {
          uploadStarted = true;
          void updateRunProgress(deps.prisma, runId, { stage: 'uploading' }).catch(() => {});
        },
      });
      signal.throwIfAborted();
      const succeeded = await markRunSucceeded(
        deps.prisma,
        runId,
        {
          contentType: compress ? 'zip' : resultOptions.format,
          objectKey,
          size: file.size,
          rows: file.rows,
        },
        { resultRetentionSeconds: deps.config.RESULT_RETENTION_SECONDS },
      );
      if (!succeeded) {
        // Canceled (or finished by another worker) while we exported: our file is not the result.
        log.info('run ended elsewhere during export; discarding the file');
        await deleteObject(deps.storage, objectKey).catch(() => {});
        return;
      }
      log.info({ rows: file.rows, bytes: file.size, ms: Date.now() - started }, 'report run succeeded');
    } catch (error) {
      if (uploadStarted) await deleteObject(deps.storage, objectKey).catch(() => {});
      const aborted = abortReasonOf(signal);
      if (aborted?.kind === 'canceled') {
        log.info({ ms: Date.now() - started }, 'report run canceled; query and upload stopped');
        return;
      }
      if (aborted?.kind === 'shutdown') {
        // Back to the queue without spending an attempt: another worker starts it afresh.
        log.info('worker shutting down; returning the run to the queue');
        await updateRunProgress(deps.prisma, runId, { stage: 'queued' }).catch(() => {});
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const failure =
        aborted?.kind === 'timeout'
          ? { code: 'timeout', message: `The run exceeded its ${aborted.seconds} s time limit.`, retryable: false }
          : classifyFailure(aborted?.kind === 'fault' ? aborted.error : error);
      const attemptsAllowed = job.opts.attempts ?? 1;
      if (failure.retryable && job.attemptsMade + 1 < attemptsAllowed) {
        log.warn({ err: error, code: failure.code }, 'transient failure; will retry');
        await updateRunProgress(deps.prisma, runId, { stage: 'queued' }).catch(() => {});
        throw error;
      }
      log.error({ err: error, code: failure.code }, 'report run failed');
      await markRunFailed(deps.prisma, runId, failure);
      throw new UnrecoverableError(failure.message);
    } finally {
      clearTimeout(wallClock);
      clearInterval(statusCheck);
      deps.activeRuns.finish(runId, controller);
    }
  }
}

/** A catalog report's SQL for a run, its stored parameters checked against the catalog again. */
function compileCatalogReportRun(
  run: Pick<ReportRun, 'reportId' | 'reportParameters'>,
  options: { format: ResultFormat; escapeFormulas: boolean },
): CompiledReport {
  const report = findCatalogReport(run.reportId);
  if (!report) {
    throw new DomainError('report_not_found', 404, 'Report not found', {
      detail: `The report '${run.reportId}' is no longer in the catalog.`,
    });
  }
  const { values } = validateReportParameters(report, run.reportParameters as Record<string, unknown>);
  return compileReportSql(report, values, options);
}
