import {
  ReportNotFound,
  ResourceNotFound,
  RunNotCancelable,
  ServiceUnavailable,
  type ResultOptionsInput,
} from '@reportrun/core';
import { enqueueReportRun, requestRunCancel } from '@reportrun/queue';
import { resolveRunTarget, runRecordOf } from '@reportrun/runner';
import { createReportRun, markRunCanceled, markRunFailed } from '@reportrun/status';
import { findScopedReportRun, type ApiKeyPrincipal, type ReportRun } from '@reportrun/db';
import type { ApiDependencies } from '../dependencies.ts';

/**
 * What every face does to a run: create it, find it, cancel it. Each face only translates its
 * request and response shapes around these, so a run created on one face is the same row every
 * other face reads, and the rules (parameters, time limits, who may cancel) are decided once.
 */

export interface StartReportRun {
  /** A catalog report id or a saved report id. */
  report: string;
  /** As the v2 face names them: RFC 3339 timestamps, strings, lists of strings. */
  reportParameters: Record<string, unknown>;
  resultOptions: ResultOptionsInput;
  timeoutSeconds?: number;
}

export async function startReportRun(
  deps: ApiDependencies,
  principal: ApiKeyPrincipal,
  request: StartReportRun,
): Promise<ReportRun> {
  const target = await resolveRunTarget(deps.prisma, {
    reportId: request.report,
    teamId: principal.teamId,
    livemode: principal.livemode,
  }).catch((error: unknown) => {
    // Here the missing report is named by the request, not run by a run.
    throw error instanceof ReportNotFound ? error.asParameter() : error;
  });
  const { defaultTimeoutSeconds, ...record } = runRecordOf(target, { parameters: request.reportParameters, at: new Date() });
  const run = await createReportRun(deps.pool, {
    teamId: principal.teamId,
    livemode: principal.livemode,
    ...record,
    resultOptions: request.resultOptions,
    timeoutSeconds: Math.min(request.timeoutSeconds ?? defaultTimeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX),
    createdBy: principal.keyId,
  });
  try {
    await enqueueReportRun(deps.queue, run.id);
  } catch (error) {
    deps.logger.error({ err: error, runId: run.id }, 'could not enqueue run');
    await markRunFailed(deps.prisma, run.id, {
      code: 'enqueue_failed',
      message: 'The run could not be queued; create it again.',
      retryable: true,
    });
    throw new ServiceUnavailable('The job queue is unavailable right now.', 5);
  }
  return run;
}

/** The key's run; another team's or mode's is indistinguishable from one that does not exist. */
export async function findRunOrThrow(
  deps: ApiDependencies,
  principal: ApiKeyPrincipal,
  id: string,
): Promise<ReportRun> {
  const run = await findScopedReportRun(deps.prisma, principal, id);
  if (!run) throw new ResourceNotFound('report_run', id);
  return run;
}

/** Cancels the key's run if it is still running; a finished one is 409 run_not_cancelable. */
export async function cancelRun(deps: ApiDependencies, principal: ApiKeyPrincipal, id: string): Promise<ReportRun> {
  await findRunOrThrow(deps, principal, id);
  // The database decides: the cancel wins only if the run is still running at this instant.
  const canceled = await markRunCanceled(deps.prisma, id, principal.keyId);
  if (!canceled) {
    const current = await findScopedReportRun(deps.prisma, principal, id);
    throw new RunNotCancelable(id, current?.status ?? 'deleted');
  }
  await requestRunCancel(deps.queue, deps.config.QUEUE_PREFIX, id);
  return canceled;
}
