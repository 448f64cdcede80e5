import { UnrecoverableError, type Job } from 'bullmq';
import type pg from 'pg';
import type { Config, Logger } from '@reportrun/config';
import { DomainError } from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';
import { reportRunJobSchema, type ReportRunJob } from '@reportrun/queue';
import { compileReportSql, findCatalogReport, validateReportParameters } from '@reportrun/reports';
import { markRunActive, markRunFailed, markRunSucceeded, updateRunProgress } from '@reportrun/status';
import { deleteObject, runResultKey, type Storage } from '@reportrun/storage';
import { exportReport } from './export-report.ts';
import { classifyFailure } from './failure.ts';

export interface ProcessorDependencies {
  prisma: PrismaClient;
  reportingPool: pg.Pool;
  storage: Storage;
  logger: Logger;
  config: Pick<Config, 'RUN_TIMEOUT_SECONDS_MAX'>;
}

/** Builds the BullMQ handler that turns one queued run into a file in the bucket. */
export function createReportRunProcessor(deps: ProcessorDependencies) {
  return async function processReportRun(job: Job<ReportRunJob>): Promise<void> {
    const { runId } = reportRunJobSchema.parse(job.data);
    let log = deps.logger.child({ runId, jobId: job.id });
    const run = await markRunActive(deps.prisma, runId);
    if (!run) {
      log.info('run is no longer running; skipping');
      return;
    }
    log = log.child({ reportId: run.reportId, team: run.teamId, attempt: run.attempts });
    const compress = (run.resultOptions as { compress_file?: boolean }).compress_file === true;
    const objectKey = runResultKey(run.teamId, run.id, `${run.reportId}-${run.id}.${compress ? 'zip' : 'csv'}`);
    let uploadStarted = false;
    try {
      const report = findCatalogReport(run.reportId);
      if (!report) {
        throw new DomainError('report_not_found', 404, 'Report not found', {
          detail: `The report '${run.reportId}' is no longer in the catalog.`,
        });
      }
      const { values } = validateReportParameters(report, run.reportParameters as Record<string, unknown>);
      const compiled = compileReportSql(report, values);
      const timeoutSeconds = Math.min(run.timeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX);
      const started = Date.now();
      const file = await exportReport({
        reportingPool: deps.reportingPool,
        storage: deps.storage,
        compiled,
        objectKey,
        filename: `${report.id}-${run.id}`,
        compress,
        statementTimeoutMs: timeoutSeconds * 1000,
        onUploadStarted: () => {
          uploadStarted = true;
          void updateRunProgress(deps.prisma, runId, { stage: 'uploading' }).catch(() => {});
        },
      });
      const succeeded = await markRunSucceeded(deps.prisma, runId, {
        contentType: compress ? 'zip' : 'csv',
        objectKey,
        size: file.size,
        rows: file.rows,
      });
      if (!succeeded) {
        // Canceled (or finished by another worker) while we exported: our file is not the result.
        log.info('run ended elsewhere during export; discarding the file');
        await deleteObject(deps.storage, objectKey).catch(() => {});
        return;
      }
      log.info({ rows: file.rows, bytes: file.size, ms: Date.now() - started }, 'report run succeeded');
    } catch (error) {
      if (uploadStarted) await deleteObject(deps.storage, objectKey).catch(() => {});
      const failure = classifyFailure(error);
      const attemptsAllowed = job.opts.attempts ?? 1;
      if (failure.retryable && job.attemptsMade + 1 < attemptsAllowed) {
        log.warn({ err: error, code: failure.code }, 'transient failure; will retry');
        await updateRunProgress(deps.prisma, runId, { stage: 'queued' }).catch(() => {});
        throw error;
      }
      log.error({ err: error, code: failure.code }, 'report run failed');
      await markRunFailed(deps.prisma, runId, failure);
      throw new UnrecoverableError(failure.message);
    }
  };
}
