import type { ReportList, ReportRunList, ReportRunResource } from '@reportrun/core';
import { apiRequest, ApiProblem } from '../api-client.ts';
import { errorBox, h, showPage } from '../dom.ts';
import { formatTime } from '../format.ts';
import { runProgress, statusBadge } from '../run-progress.ts';

const statuses = ['running', 'succeeded', 'failed', 'canceled'] as const;
/** While a listed run is running, the list is read again this often. */
const refreshMs = 1000;

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });

/** Runs, newest first, filtered by status and report; running runs' bars move as they run. */
export async function showRuns(params: URLSearchParams, signal: AbortSignal): Promise<void> {
  const status = params.get('status') ?? '';
  const report = params.get('report') ?? '';
  const reports = await apiRequest<ReportList>('GET', '/v2/reporting/reports').catch(() => null);

  const statusSelect = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    statuses.map((value) => h('option', { value, ...(value === status ? { selected: true } : {}) }, value)));
  const reportSelect = h('select', { id: 'filter-report', name: 'report' },
    h('option', { value: '' }, 'Any report'),
    (reports?.data ?? []).map((entry) => h('option', { value: entry.id, ...(entry.id === report ? { selected: true } : {}) }, entry.name)));
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter runs' },
    h('div', { class: 'field' }, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
    h('div', { class: 'field' }, h('label', { for: 'filter-report' }, 'Report'), reportSelect),
    h('button', { type: 'submit' }, 'Apply filters'));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (statusSelect.value) next.set('status', statusSelect.value);
    if (reportSelect.value) next.set('report', reportSelect.value);
    location.hash = `#/runs${next.size ? `?${next}` : ''}`;
  });

  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of runs' });
  const list = h('div', { class: 'runs', 'aria-live': 'polite', 'aria-busy': 'true' }, 'Loading runs…');
  showPage(
    h('div', { class: 'page-head' }, h('h1', {}, 'Runs'), h('a', { class: 'button', href: '#/new' }, 'New run')),
    filters,
    list,
    pager,
  );

  // A page token carries the filters it was made with; the API takes only `limit` beside it.
  const pageToken = params.get('page');
  const limit = params.get('limit') ?? '50';
  const query = new URLSearchParams({ limit });
  if (pageToken) query.set('page', pageToken);
  else {
    if (status) query.set('status', status);
    if (report) query.set('report', report);
  }

  const rows = new Map<string, ReturnType<typeof runProgress>>();
  while (!signal.aborted) {
    let page: ReportRunList;
    try {
      page = await apiRequest<ReportRunList>('GET', `/v2/reporting/report_runs?${query}`);
    } catch (error) {
      list.replaceChildren(errorBox(error instanceof ApiProblem ? error.message : 'The runs could not be read.'));
      return;
    }
    if (signal.aborted) return;
    list.setAttribute('aria-busy', 'false');
    const ids = page.data.map((run) => run.id).join(',');
    if (ids !== list.dataset.ids) {
      list.dataset.ids = ids;
      rows.clear();
      list.replaceChildren(page.data.length ? runTable(page.data, rows) : h('p', { class: 'card' }, 'No runs match. ', h('a', { href: '#/new' }, 'Create one'), '.'));
    }
    pager.replaceChildren(
      ...[
        ['previous_page_url', 'Newer runs'],
        ['next_page_url', 'Older runs'],
      ].flatMap(([field, label]) => {
        const url = page[field as 'previous_page_url' | 'next_page_url'];
        const token = url ? new URL(url, location.origin).searchParams.get('page') : null;
        return token ? [h('a', { class: 'button secondary', href: `#/runs?${new URLSearchParams({ page: token, limit })}` }, label!)] : [];
      }),
    );
    for (const run of page.data) {
      rows.get(run.id)?.update(run);
      const badge = list.querySelector(`[data-run-status="${CSS.escape(run.id)}"]`);
      badge?.replaceChildren(statusBadge(run.status));
    }
    if (!page.data.some((run) => run.status === 'running')) return;
    await pause(refreshMs, signal);
  }
}

function runTable(runs: ReportRunResource[], rows: Map<string, ReturnType<typeof runProgress>>): HTMLElement {
  return h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, 'Report runs, newest first'),
    h('thead', {}, h('tr', {}, ['Run', 'Report', 'Status', 'Progress', 'Created'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, runs.map((run) => {
      const progress = runProgress(run, `Progress of ${run.id}`);
      progress.update(run);
      rows.set(run.id, progress);
      return h('tr', {},
        h('td', { 'data-label': 'Run' }, h('a', { href: `#/runs/${encodeURIComponent(run.id)}` }, run.id)),
        h('td', { 'data-label': 'Report' }, run.report_name),
        h('td', { 'data-label': 'Status', 'data-run-status': run.id }, statusBadge(run.status)),
        h('td', { 'data-label': 'Progress' }, progress.element),
        h('td', { 'data-label': 'Created' }, formatTime(run.created)));
    })));
}
