import {
  apiPaths,
  createReportRunRequestSchema,
  listReportRunsQuerySchema,
  ReportNotFound,
  reportRunListSchema,
  reportRunSchema,
  ResourceNotFound,
  RunNotCancelable,
  ServiceUnavailable,
} from '@reportrun/core';
import { enqueueReportRun, requestRunCancel } from '@reportrun/queue';
import { resolveRunTarget, runRecordOf } from '@reportrun/runner';
import { createReportRun, markRunCanceled, markRunFailed } from '@reportrun/status';
import { findScopedReportRun, type ApiKeyPrincipal, type ReportRun } from '@reportrun/db';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { signResultDownload } from '../views/download-url.ts';
import { toReportRunResource } from '../views/report-run.ts';
import { listReportRuns } from './list-report-runs.ts';
import { reportingProblems } from './problem-tables.ts';

const runId = z.object({ id: z.string() });

export const createReportRunRoute = defineRoute({
  method: 'post',
  path: apiPaths.reportRuns,
  operationId: 'createReportRun',
  summary: 'Create a report run',
  idempotent: true,
  body: { schema: createReportRunRequestSchema },
  response: { status: 200, description: 'The run, queued', schema: reportRunSchema },
  problems: reportingProblems,
  async handler({ body, request, deps }) {
    const principal = principalOf(request);
    const target = await resolveRunTarget(deps.prisma, {
      reportId: body.report,
      teamId: principal.teamId,
      livemode: principal.livemode,
    }).catch((error: unknown) => {
      // Here the missing report is named by the request, not run by a run.
      throw error instanceof ReportNotFound ? error.asParameter() : error;
    });
    const { defaultTimeoutSeconds, ...record } = runRecordOf(target, { parameters: body.report_parameters, at: new Date() });
    const run = await createReportRun(deps.prisma, {
      teamId: principal.teamId,
      livemode: principal.livemode,
      ...record,
      resultOptions: body.result_options,
      timeoutSeconds: Math.min(
        body.timeout_seconds ?? defaultTimeoutSeconds,
        deps.config.RUN_TIMEOUT_SECONDS_MAX,
      ),
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
    return toReportRunResource(run, null);
  },
});

export const getReportRunRoute = defineRoute({
  method: 'get',
  path: apiPaths.reportRun,
  operationId: 'getReportRun',
  summary: 'Retrieve a report run; a succeeded run carries a fresh download URL',
  params: runId,
  response: { status: 200, description: 'The run', schema: reportRunSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    const run = await scopedRunOf(deps, principalOf(request), id);
    const downloadUrl = await signResultDownload(deps.storage, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);
    return toReportRunResource(run, downloadUrl);
  },
});

export const cancelReportRunRoute = defineRoute({
  method: 'post',
  path: apiPaths.reportRunCancel,
  operationId: 'cancelReportRun',
  summary: 'Cancel a running report run; a run that already finished is 409 run_not_cancelable',
  params: runId,
  response: { status: 200, description: 'The canceled run', schema: reportRunSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    const principal = principalOf(request);
    await scopedRunOf(deps, principal, id);
    // The database decides: the cancel wins only if the run is still running at this instant.
    const canceled = await markRunCanceled(deps.prisma, id, principal.keyId);
    if (!canceled) {
      const current = await findScopedReportRun(deps.prisma, principal, id);
      throw new RunNotCancelable(id, current?.status ?? 'deleted');
    }
    await requestRunCancel(deps.queue, deps.config.QUEUE_PREFIX, id);
    return toReportRunResource(canceled, null);
  },
});

export const listReportRunsRoute = defineRoute({
  method: 'get',
  path: apiPaths.reportRuns,
  operationId: 'listReportRuns',
  summary: 'List report runs, newest first, in pages that stay stable while new runs arrive',
  query: listReportRunsQuerySchema,
  response: { status: 200, description: 'A page of runs', schema: reportRunListSchema },
  problems: reportingProblems,
  handler: ({ query, request, deps }) =>
    listReportRuns(deps, principalOf(request), query, 'limit' in request.query),
});

/** The key's run; another team's or mode's is indistinguishable from one that does not exist. */
async function scopedRunOf(
  deps: ApiDependencies,
  principal: ApiKeyPrincipal,
  id: string,
): Promise<ReportRun> {
  const run = await findScopedReportRun(deps.prisma, principal, id);
  if (!run) throw new ResourceNotFound('report_run', id);
  return run;
}

export const reportRunRoutes = [
  createReportRunRoute,
  getReportRunRoute,
  cancelReportRunRoute,
  listReportRunsRoute,
];
