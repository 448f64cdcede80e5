import {
  apiPaths,
  InvalidParameter,
  listReportRunsQuerySchema,
  type ListReportRunsQuery,
  type ReportRunList,
} from '@reportrun/core';
import {
  listReportRuns as findReportRunPage,
  type ReportRun,
  type ReportRunListFilter,
  type ReportRunPageRequest,
} from '@reportrun/db';
import { decodePageToken, encodePageToken, type PageDirection, type PageToken } from '../http/page-token.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { renderReportRun } from '@reportrun/status';

/** The filters a page token carries: the query minus paging. */
const listFiltersSchema = listReportRunsQuerySchema.omit({ limit: true, page: true });
type ListFilters = Omit<ListReportRunsQuery, 'limit' | 'page'>;

/**
 * `GET /v2/reporting/report_runs`: the key's runs, newest first, in keyset pages. With a page
 * token, an explicit limit wins; otherwise the page keeps the size the list started with.
 */
export async function listReportRuns(
  deps: ApiDependencies,
  principal: { teamId: string; livemode: boolean },
  query: ListReportRunsQuery,
  limitGiven: boolean,
): Promise<ReportRunList> {
  const { page: rawToken, limit, ...queryFilters } = query;

  let filters: ListFilters = queryFilters;
  let pageRequest: ReportRunPageRequest = { limit };
  if (rawToken !== undefined) {
    const conflicting = Object.keys(queryFilters).filter(
      (name) => queryFilters[name as keyof ListFilters] !== undefined,
    );
    if (conflicting.length > 0) {
      throw new InvalidParameter(
        conflicting[0]!,
        `A page token already carries the list's filters; send it alone (with limit, if you like), not with ${conflicting.join(', ')}.`,
      );
    }
    const token = decodePageToken(rawToken, listFiltersSchema);
    filters = token.filters;
    const pageLimit = limitGiven ? limit : token.limit;
    const position = { createdAt: new Date(token.after.created), id: token.after.id };
    pageRequest =
      token.direction === 'older'
        ? { limit: pageLimit, olderThan: position }
        : { limit: pageLimit, newerThan: position };
  }

  const page = await findReportRunPage(deps.prisma, toRepositoryFilter(principal, filters), pageRequest);
  const now = new Date();
  const data = await Promise.all(
    page.runs.map((run) => renderReportRun(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS, now)),
  );
  // A page continues from its first or last run; an empty page (its runs were deleted since
  // the token was issued) has none to continue from, so it links nowhere.
  const link = (direction: PageDirection, run: ReportRun | undefined) =>
    run
      ? pageUrl({
          v: 1,
          filters,
          limit: pageRequest.limit,
          direction,
          after: { created: run.createdAt.toISOString(), id: run.id },
        })
      : null;
  return {
    object: 'list',
    data,
    next_page_url: page.hasOlder ? link('older', page.runs.at(-1)) : null,
    previous_page_url: page.hasNewer ? link('newer', page.runs[0]) : null,
  };
}

function pageUrl(token: PageToken<ListFilters>): string {
  return `${apiPaths.reportRuns}?page=${encodePageToken(token)}`;
}

function toRepositoryFilter(
  principal: { teamId: string; livemode: boolean },
  filters: ListFilters,
): ReportRunListFilter {
  const created = {
    ...(filters['created[gte]'] ? { gte: new Date(filters['created[gte]']) } : {}),
    ...(filters['created[gt]'] ? { gt: new Date(filters['created[gt]']) } : {}),
    ...(filters['created[lte]'] ? { lte: new Date(filters['created[lte]']) } : {}),
    ...(filters['created[lt]'] ? { lt: new Date(filters['created[lt]']) } : {}),
  };
  return {
    teamId: principal.teamId,
    livemode: principal.livemode,
    ...(filters.report !== undefined ? { reportId: filters.report } : {}),
    ...(filters.status !== undefined ? { status: filters.status } : {}),
    ...(Object.keys(created).length > 0 ? { created } : {}),
  };
}
