import { Router } from 'express';
import {
  createReportRunRequestSchema,
  DomainError,
  ResourceNotFound,
  RunNotCancelable,
  ServiceUnavailable,
} from '@reportrun/core';
import { enqueueReportRun, requestRunCancel } from '@reportrun/queue';
import { findCatalogReport, validateReportParameters } from '@reportrun/reports';
import { createReportRun, markRunCanceled, markRunFailed } from '@reportrun/status';
import { findScopedReportRun } from '@reportrun/db';
import { principalOf } from '../http/auth.ts';
import { honorIdempotencyKey, sendIdempotentResponse } from '../http/idempotency.ts';
import { parseJsonBody } from '../http/validate.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { signResultDownload } from '../views/download-url.ts';
import { toReportRunResource } from '../views/report-run.ts';
import { listReportRunsHandler } from './list-report-runs.ts';
import { isSavedReportId, savedReportRunTarget } from './saved-report-run-target.ts';

export function reportRunsRouter(deps: ApiDependencies): Router {
  const router = Router();

  router.get('/v2/reporting/report_runs', listReportRunsHandler(deps));

  router.post('/v2/reporting/report_runs', honorIdempotencyKey(deps), async (request, response) => {
    const principal = principalOf(request);
    const body = parseJsonBody(request, createReportRunRequestSchema);
    const target = isSavedReportId(body.report)
      ? await savedReportRunTarget(deps.prisma, principal, body.report, body.report_parameters)
      : catalogRunTarget(body.report, body.report_parameters);
    const run = await createReportRun(deps.prisma, {
      teamId: principal.teamId,
      livemode: principal.livemode,
      reportId: target.reportId,
      reportName: target.reportName,
      reportParameters: target.reportParameters,
      resultOptions: body.result_options,
      timeoutSeconds: Math.min(body.timeout_seconds ?? target.defaultTimeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX),
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
    await sendIdempotentResponse(response, 200, toReportRunResource(run, null));
  });

  router.get('/v2/reporting/report_runs/:id', async (request, response) => {
    const principal = principalOf(request);
    const id = request.params.id;
    // Another team's or mode's run is indistinguishable from one that does not exist.
    const run = await findScopedReportRun(deps.prisma, principal, id);
    if (!run) throw new ResourceNotFound('report_run', id);
    const downloadUrl = await signResultDownload(deps.storage, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);
    response.json(toReportRunResource(run, downloadUrl));
  });

  router.post('/v2/reporting/report_runs/:id/cancel', async (request, response) => {
    const principal = principalOf(request);
    const id = request.params.id;
    if (!(await findScopedReportRun(deps.prisma, principal, id))) throw new ResourceNotFound('report_run', id);
    // The database decides: the cancel wins only if the run is still running at this instant.
    const canceled = await markRunCanceled(deps.prisma, id, principal.keyId);
    if (!canceled) {
      const current = await findScopedReportRun(deps.prisma, principal, id);
      throw new RunNotCancelable(id, current?.status ?? 'deleted');
    }
    await requestRunCancel(deps.queue, deps.config.QUEUE_PREFIX, id);
    response.json(toReportRunResource(canceled, null));
  });

  return router;
}

/** A catalog report as the target of a run, its parameters checked against the catalog. */
function catalogRunTarget(reportId: string, parameters: Record<string, unknown>) {
  const report = findCatalogReport(reportId);
  if (!report) {
    throw new DomainError('report_not_found', 400, 'Unknown report', {
      detail: `There is no report '${reportId}'. GET /v2/reporting/reports lists them.`,
      extensions: { param: 'report' },
    });
  }
  const { normalized } = validateReportParameters(report, parameters);
  return { reportId: report.id, reportName: report.name, reportParameters: normalized, defaultTimeoutSeconds: report.defaultTimeoutSeconds };
}
