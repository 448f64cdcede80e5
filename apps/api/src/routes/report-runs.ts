import {
  apiPaths,
  createReportRunRequestSchema,
  listReportRunsQuerySchema,
  reportRunListSchema,
  reportRunSchema,
} from '@reportrun/core';
import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { renderReportRun, toReportRunResource } from '@reportrun/status';
import { listReportRuns } from './list-report-runs.ts';
import { reportingProblems } from './problem-tables.ts';
import { cancelRun, findRunOrThrow, startReportRun } from './run-actions.ts';

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
    const run = await startReportRun(deps, principalOf(request), {
      report: body.report,
      reportParameters: body.report_parameters,
      resultOptions: body.result_options,
      ...(body.timeout_seconds !== undefined ? { timeoutSeconds: body.timeout_seconds } : {}),
    });
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
    const run = await findRunOrThrow(deps, principalOf(request), id);
    return renderReportRun(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);
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
    const canceled = await cancelRun(deps, principalOf(request), id);
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

export const reportRunRoutes = [
  createReportRunRoute,
  getReportRunRoute,
  cancelReportRunRoute,
  listReportRunsRoute,
];
