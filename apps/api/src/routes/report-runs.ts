import { Router } from 'express';
import {
  createReportRunRequestSchema,
  DomainError,
  ResourceNotFound,
  ServiceUnavailable,
} from '@reportrun/core';
import { enqueueReportRun } from '@reportrun/queue';
import { findCatalogReport, validateReportParameters } from '@reportrun/reports';
import { createReportRun, markRunFailed } from '@reportrun/status';
import { presignDownload } from '@reportrun/storage';
import { principalOf } from '../http/auth.ts';
import { parseJsonBody } from '../http/validate.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { toReportRunResource } from '../views/report-run.ts';

export function reportRunsRouter(deps: ApiDependencies): Router {
  const router = Router();

  router.post('/v2/reporting/report_runs', async (request, response) => {
    const principal = principalOf(request);
    const body = parseJsonBody(request, createReportRunRequestSchema);
    const report = findCatalogReport(body.report);
    if (!report) {
      throw new DomainError('report_not_found', 400, 'Unknown report', {
        detail: `There is no report '${body.report}'. GET /v2/reporting/reports lists them.`,
        extensions: { param: 'report' },
      });
    }
    const { normalized } = validateReportParameters(report, body.report_parameters);
    const run = await createReportRun(deps.prisma, {
      teamId: principal.teamId,
      livemode: principal.livemode,
      reportId: report.id,
      reportName: report.name,
      reportParameters: normalized,
      resultOptions: body.result_options,
      timeoutSeconds: Math.min(report.defaultTimeoutSeconds, deps.config.RUN_TIMEOUT_SECONDS_MAX),
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
    response.status(200).json(toReportRunResource(run, null));
  });

  router.get('/v2/reporting/report_runs/:id', async (request, response) => {
    const principal = principalOf(request);
    const id = request.params.id;
    // Another team's or mode's run is indistinguishable from one that does not exist.
    const run = await deps.prisma.reportRun.findFirst({
      where: { id, teamId: principal.teamId, livemode: principal.livemode },
    });
    if (!run) throw new ResourceNotFound('report_run', id);
    const downloadUrl =
      run.status === 'succeeded' && run.fileObjectKey
        ? await presignDownload(deps.storage, run.fileObjectKey, deps.config.DOWNLOAD_URL_TTL_SECONDS)
        : null;
    response.json(toReportRunResource(run, downloadUrl));
  });

  return router;
}
