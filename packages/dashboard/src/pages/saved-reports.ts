import type { ReportRunResource, SavedReportList, SavedReportResource } from '@reportrun/core';
import { apiRequest, ApiProblem } from '../api-client.ts';
import { errorBox, h, showPage, statusRegion } from '../dom.ts';
import { formatTime } from '../format.ts';

/** The team's saved reports; "Run" makes a report run of one, as `report: <saved id>`. */
export async function showSavedReports(): Promise<void> {
  const message = statusRegion();
  let page: SavedReportList;
  try {
    page = await apiRequest<SavedReportList>('GET', '/v1/reports/saved?limit=100');
  } catch (error) {
    showPage(h('h1', {}, 'Saved reports'), errorBox(error instanceof ApiProblem ? error.message : 'The saved reports could not be read.'));
    return;
  }
  const run = async (report: SavedReportResource, button: HTMLButtonElement) => {
    button.disabled = true;
    try {
      const created = await apiRequest<ReportRunResource>('POST', '/v2/reporting/report_runs', { report: report.id });
      location.hash = `#/runs/${encodeURIComponent(created.id)}`;
    } catch (error) {
      message.textContent = error instanceof ApiProblem ? error.message : 'The run could not be created.';
      button.disabled = false;
    }
  };
  showPage(
    h('h1', {}, 'Saved reports'),
    message,
    page.data.length
      ? h('table', { class: 'table' },
          h('caption', { class: 'visually-hidden' }, 'Saved reports'),
          h('thead', {}, h('tr', {}, ['Name', 'What', 'Updated', 'Actions'].map((title) => h('th', { scope: 'col' }, title)))),
          h('tbody', {}, page.data.map((report) => {
            const button = h('button', { type: 'button', 'aria-label': `Run ${report.name}` }, 'Run');
            button.addEventListener('click', () => void run(report, button));
            return h('tr', {},
              h('td', { 'data-label': 'Name' }, report.name),
              h('td', { 'data-label': 'What' }, report.query ? `Query over ${report.query.dataset}` : report.catalog_report ? h('code', {}, report.catalog_report.report) : ''),
              h('td', { 'data-label': 'Updated' }, formatTime(report.updated_at)),
              h('td', { 'data-label': 'Actions' }, button));
          })))
      : h('p', { class: 'card' }, 'No saved reports yet. Save one with ', h('code', {}, 'POST /v1/reports/saved'), '.'),
  );
}
