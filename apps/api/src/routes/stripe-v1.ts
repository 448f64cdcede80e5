import {
  apiPaths,
  createStripeV1ReportRunRequestSchema,
  InvalidParameter,
  listStripeV1ReportRunsQuerySchema,
  ReportNotFound,
  ResourceNotFound,
  runIdOfStripeV1File,
  runIdOfStripeV1Run,
  stripeV1FileSchema,
  stripeV1ReportRunListSchema,
  stripeV1ReportRunSchema,
  stripeV1ReportTypeListSchema,
  stripeV1ReportTypeSchema,
  unixSecondsOf,
  type CreateStripeV1ReportRunRequest,
  type ListStripeV1ReportRunsQuery,
} from '@reportrun/core';
import { listReportRuns, readLedgerAvailability, type ApiKeyPrincipal, type ReportRunPageRequest } from '@reportrun/db';
import { findCatalogReport, listCatalogReports } from '@reportrun/reports';
import type { Request } from 'express';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { principalOf } from '../http/auth.ts';
import { renamingParams, stripeV1ParamName } from '../http/param-names.ts';
import { defineRoute, redirectSchema } from '../http/route.ts';
import { signResultDownload } from '@reportrun/status';
import { toStripeV1File, toStripeV1ReportRun, toStripeV1ReportType } from '../views/stripe-v1.ts';
import { reportingProblems } from './problem-tables.ts';
import { findRunOrThrow, startReportRun } from './run-actions.ts';

/**
 * Stripe's v1 Reporting API over the same runs as v2: `frr_x` is the run `reprun_x`, `file_x`
 * its result. Bodies may be form-encoded; errors go out in Stripe's v1 envelope (see faces.ts).
 */

const idParam = z.object({ id: z.string() });
const defaultListLimit = 10;

/** `http://host:port` when the Host header is a plain host, so file URLs are absolute like Stripe's. */
function originOf(request: Request): string | undefined {
  const host = request.get('host');
  const plainHost = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
  return host && plainHost.test(host) ? `${request.protocol}://${host}` : undefined;
}

/** v1 parameters as the core takes them: the interval's Unix seconds become RFC 3339. */
function reportParametersOf(parameters: CreateStripeV1ReportRunRequest['parameters']): Record<string, unknown> {
  const { interval_start: start, interval_end: end, ...rest } = parameters;
  const iso = (seconds: number | string) => new Date(unixSecondsOf(seconds) * 1000).toISOString();
  return {
    ...Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)),
    ...(start !== undefined ? { interval_start: iso(start) } : {}),
    ...(end !== undefined ? { interval_end: iso(end) } : {}),
  };
}

async function runOfV1Id(deps: ApiDependencies, principal: ApiKeyPrincipal, id: string) {
  const runId = runIdOfStripeV1Run(id);
  if (!runId) throw new ResourceNotFound('report_run', id);
  return findRunOrThrow(deps, principal, runId);
}

async function succeededRunOfFile(deps: ApiDependencies, principal: ApiKeyPrincipal, id: string) {
  const runId = runIdOfStripeV1File(id);
  const run = runId ? await findRunOrThrow(deps, principal, runId).catch(() => null) : null;
  if (!run || !toStripeV1File(run, undefined)) throw new ResourceNotFound('file', id);
  return run;
}

export const createStripeV1ReportRunRoute = defineRoute({
  method: 'post',
  path: apiPaths.v1ReportRuns,
  operationId: 'createStripeV1ReportRun',
  summary: "Stripe v1: create a report run (form-encoded or JSON; interval in Unix seconds)",
  idempotent: true,
  body: { schema: createStripeV1ReportRunRequestSchema, form: true },
  response: { status: 200, description: 'The run, pending', schema: stripeV1ReportRunSchema },
  problems: reportingProblems,
  async handler({ body, request, deps }) {
    const run = await renamingParams(
      () =>
        startReportRun(deps, principalOf(request), {
          report: body.report_type,
          reportParameters: reportParametersOf(body.parameters),
          resultOptions: { compress_file: false, format: 'csv', escape_formulas: true },
        }),
      stripeV1ParamName,
    );
    return toStripeV1ReportRun(run, originOf(request));
  },
});

export const getStripeV1ReportRunRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1ReportRun,
  operationId: 'getStripeV1ReportRun',
  summary: 'Stripe v1: retrieve a report run',
  params: idParam,
  response: { status: 200, description: 'The run', schema: stripeV1ReportRunSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    return toStripeV1ReportRun(await runOfV1Id(deps, principalOf(request), id), originOf(request));
  },
});

/** Where a list continues from: the run a cursor names must be the key's own. */
async function pageRequestOf(
  deps: ApiDependencies,
  principal: ApiKeyPrincipal,
  query: ListStripeV1ReportRunsQuery,
): Promise<ReportRunPageRequest> {
  const limit = query.limit === undefined ? defaultListLimit : Number(query.limit);
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    throw new InvalidParameter('ending_before', 'Send starting_after or ending_before, not both.');
  }
  const cursorName = query.starting_after !== undefined ? 'starting_after' : 'ending_before';
  const cursor = query.starting_after ?? query.ending_before;
  if (cursor === undefined) return { limit };
  const run = await runOfV1Id(deps, principal, cursor).catch(() => {
    throw new InvalidParameter(cursorName, `${cursorName}: no report run '${cursor}' exists.`);
  });
  const position = { createdAt: run.createdAt, id: run.id };
  return cursorName === 'starting_after' ? { limit, olderThan: position } : { limit, newerThan: position };
}

/**
 * `created[…]` bounds in whole seconds, as v1 shows `created`: a run made at 12.345 s reads
 * `created: 12`, so `lte=12` must include it. The bounds become one half-open range in ms.
 */
function createdRangeOf(query: ListStripeV1ReportRunsQuery): { gte?: Date; lt?: Date } | undefined {
  const seconds = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const lower = [seconds(query['created[gte]']), mapDefined(seconds(query['created[gt]']), (value) => value + 1)]
    .filter((value): value is number => value !== undefined);
  const upper = [seconds(query['created[lt]']), mapDefined(seconds(query['created[lte]']), (value) => value + 1)]
    .filter((value): value is number => value !== undefined);
  if (lower.length === 0 && upper.length === 0) return undefined;
  return {
    ...(lower.length > 0 ? { gte: new Date(Math.max(...lower) * 1000) } : {}),
    ...(upper.length > 0 ? { lt: new Date(Math.min(...upper) * 1000) } : {}),
  };
}

const mapDefined = <T, U>(value: T | undefined, map: (value: T) => U): U | undefined =>
  value === undefined ? undefined : map(value);

export const listStripeV1ReportRunsRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1ReportRuns,
  operationId: 'listStripeV1ReportRuns',
  summary: 'Stripe v1: list report runs, newest first',
  query: listStripeV1ReportRunsQuerySchema,
  response: { status: 200, description: 'A page of runs', schema: stripeV1ReportRunListSchema },
  problems: reportingProblems,
  async handler({ query, request, deps }) {
    const principal = principalOf(request);
    const page = await pageRequestOf(deps, principal, query);
    const created = createdRangeOf(query);
    const found = await listReportRuns(
      deps.prisma,
      {
        teamId: principal.teamId,
        livemode: principal.livemode,
        ...(created ? { created } : {}),
      },
      page,
    );
    const origin = originOf(request);
    const now = new Date();
    return {
      object: 'list' as const,
      url: apiPaths.v1ReportRuns,
      has_more: 'newerThan' in page ? found.hasNewer : found.hasOlder,
      data: found.runs.map((run) => toStripeV1ReportRun(run, origin, now)),
    };
  },
});

async function ledgerAvailability(deps: ApiDependencies): Promise<{ start: Date; end: Date }> {
  const { firstCreatedAt, materializedAt } = await readLedgerAvailability(deps.reportingPool);
  const end = materializedAt ?? new Date();
  return { start: firstCreatedAt && firstCreatedAt < end ? firstCreatedAt : end, end };
}

export const listStripeV1ReportTypesRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1ReportTypes,
  operationId: 'listStripeV1ReportTypes',
  summary: 'Stripe v1: list the report types (the catalog)',
  query: z.object({}).strict(),
  response: { status: 200, description: 'Every report type', schema: stripeV1ReportTypeListSchema },
  problems: reportingProblems,
  async handler({ request, deps }) {
    const { livemode } = principalOf(request);
    const availability = await ledgerAvailability(deps);
    return {
      object: 'list' as const,
      url: apiPaths.v1ReportTypes,
      has_more: false,
      data: listCatalogReports().map((report) => toStripeV1ReportType(report, livemode, availability)),
    };
  },
});

export const getStripeV1ReportTypeRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1ReportType,
  operationId: 'getStripeV1ReportType',
  summary: 'Stripe v1: retrieve a report type',
  params: idParam,
  response: { status: 200, description: 'The report type', schema: stripeV1ReportTypeSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    const report = findCatalogReport(id);
    if (!report) throw new ReportNotFound(id, 'catalog', 'resource');
    return toStripeV1ReportType(report, principalOf(request).livemode, await ledgerAvailability(deps));
  },
});

export const getStripeV1FileRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1File,
  operationId: 'getStripeV1File',
  summary: "Stripe v1: retrieve a report run's result file",
  params: idParam,
  response: { status: 200, description: 'The file', schema: stripeV1FileSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    const run = await succeededRunOfFile(deps, principalOf(request), id);
    return toStripeV1File(run, originOf(request))!;
  },
});

export const getStripeV1FileContentsRoute = defineRoute({
  method: 'get',
  path: apiPaths.v1FileContents,
  operationId: 'getStripeV1FileContents',
  summary: "Stripe v1: download a file's contents (a redirect to a fresh, expiring storage URL)",
  params: idParam,
  response: { status: 302, description: 'Redirect to the file', schema: redirectSchema },
  problems: reportingProblems,
  async handler({ params: { id }, request, deps }) {
    const run = await succeededRunOfFile(deps, principalOf(request), id);
    const download = await signResultDownload(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);
    if (!download) throw new ResourceNotFound('file', id);
    return { location: download.url };
  },
});

export const stripeV1Routes = [
  createStripeV1ReportRunRoute,
  getStripeV1ReportRunRoute,
  listStripeV1ReportRunsRoute,
  listStripeV1ReportTypesRoute,
  getStripeV1ReportTypeRoute,
  getStripeV1FileRoute,
  getStripeV1FileContentsRoute,
];
