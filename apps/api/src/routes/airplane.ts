import {
  airplaneCancelRequestSchema,
  airplaneExecuteRequestSchema,
  airplaneExecuteResponseSchema,
  airplaneListRunsQuerySchema,
  airplaneOutputsSchema,
  airplaneRunListSchema,
  airplaneRunQuerySchema,
  airplaneRunSchema,
  apiPaths,
  maxUnixSeconds,
} from '@reportrun/core';
import { listReportRuns } from '@reportrun/db';
import { findCatalogReport } from '@reportrun/reports';
import { airplaneParamName, renamingParams } from '../http/param-names.ts';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { toAirplaneOutputs, toAirplaneRun } from '../views/airplane.ts';
import { signResultDownload } from '@reportrun/status';
import { reportingProblems } from './problem-tables.ts';
import { cancelRun, findRunOrThrow, startReportRun } from './run-actions.ts';

/**
 * Airplane's run API over the same runs as every other face: a task is a report, a run id is the
 * stored run id. Errors keep their HTTP status and stay problem+json.
 */

const defaultListLimit = 20;

/**
 * Airplane sends datetimes as strings; a number given for a timestamp parameter is taken as
 * Unix seconds. Anything else goes to the report's own checks unchanged.
 */
function reportParametersOf(slug: string, paramValues: Record<string, unknown>): Record<string, unknown> {
  const report = findCatalogReport(slug);
  const timestamps = new Set(
    (report?.parameters ?? []).filter((spec) => spec.kind === 'timestamp').map((spec) => spec.name),
  );
  return Object.fromEntries(
    Object.entries(paramValues).map(([name, value]) =>
      timestamps.has(name) && typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxUnixSeconds
        ? [name, new Date(value * 1000).toISOString()]
        : [name, value],
    ),
  );
}

export const airplaneExecuteRoute = defineRoute({
  method: 'post',
  path: apiPaths.airplaneExecute,
  operationId: 'airplaneExecuteTask',
  summary: 'Airplane: execute a task (a report) with parameter values; answers the new run id',
  idempotent: true,
  body: { schema: airplaneExecuteRequestSchema },
  response: { status: 200, description: 'The run, queued', schema: airplaneExecuteResponseSchema },
  problems: reportingProblems,
  async handler({ body, request, deps }) {
    const run = await renamingParams(
      () =>
        startReportRun(deps, principalOf(request), {
          report: body.slug,
          reportParameters: reportParametersOf(body.slug, body.paramValues),
          resultOptions: { compress_file: false, format: 'csv', escape_formulas: true },
        }),
      airplaneParamName,
    );
    // Every execution is a new run: results are never served from an earlier one.
    return { runID: run.id, isCached: false as const };
  },
});

export const airplaneGetRunRoute = defineRoute({
  method: 'get',
  path: apiPaths.airplaneGetRun,
  operationId: 'airplaneGetRun',
  summary: 'Airplane: retrieve a run (GetRunResponse)',
  query: airplaneRunQuerySchema,
  response: { status: 200, description: 'The run', schema: airplaneRunSchema },
  problems: reportingProblems,
  async handler({ query, request, deps }) {
    return toAirplaneRun(await findRunOrThrow(deps, principalOf(request), query.id));
  },
});

export const airplaneGetOutputsRoute = defineRoute({
  method: 'get',
  path: apiPaths.airplaneGetOutputs,
  operationId: 'airplaneGetOutputs',
  summary: "Airplane: a run's output, the result file with a fresh download URL (null until it succeeds)",
  query: airplaneRunQuerySchema,
  response: { status: 200, description: 'The output', schema: airplaneOutputsSchema },
  problems: reportingProblems,
  async handler({ query, request, deps }) {
    const run = await findRunOrThrow(deps, principalOf(request), query.id);
    return toAirplaneOutputs(run, await signResultDownload(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS));
  },
});

export const airplaneCancelRunRoute = defineRoute({
  method: 'post',
  path: apiPaths.airplaneCancelRun,
  operationId: 'airplaneCancelRun',
  summary: 'Airplane: cancel a run that has not finished; a finished one is 409',
  body: { schema: airplaneCancelRequestSchema },
  response: { status: 200, description: 'The canceled run', schema: airplaneRunSchema },
  problems: reportingProblems,
  async handler({ body, request, deps }) {
    return toAirplaneRun(await cancelRun(deps, principalOf(request), body.runID));
  },
});

export const airplaneListRunsRoute = defineRoute({
  method: 'get',
  path: apiPaths.airplaneListRuns,
  operationId: 'airplaneListRuns',
  summary: 'Airplane: list runs, newest first, optionally of one task; pages numbered from 0',
  query: airplaneListRunsQuerySchema,
  response: { status: 200, description: 'A page of runs', schema: airplaneRunListSchema },
  problems: reportingProblems,
  async handler({ query, request, deps }) {
    const principal = principalOf(request);
    const limit = query.limit === undefined ? defaultListLimit : Number(query.limit);
    const page = await listReportRuns(
      deps.prisma,
      {
        teamId: principal.teamId,
        livemode: principal.livemode,
        ...(query.taskID !== undefined ? { reportId: query.taskID } : {}),
      },
      { limit, offset: Number(query.page ?? 0) * limit },
    );
    return { runs: page.runs.map(toAirplaneRun), hasMore: page.hasOlder };
  },
});

export const airplaneRoutes = [
  airplaneExecuteRoute,
  airplaneGetRunRoute,
  airplaneGetOutputsRoute,
  airplaneCancelRunRoute,
  airplaneListRunsRoute,
];
