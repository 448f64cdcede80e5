import type { ReportRunResource } from '@reportrun/core';
import { apiRequest, ApiProblem, followRunEvents } from '../api-client.ts';
import { errorBox, h, showPage, statusRegion } from '../dom.ts';
import { formatBytes, formatCount, formatTime } from '../format.ts';
import { runProgress, statusBadge } from '../run-progress.ts';

const runPath = (id: string) => `/v2/reporting/report_runs/${encodeURIComponent(id)}`;

/** One run: its timeline, parameters, error or file, and cancel while it runs; live until it ends. */
export async function showRun(id: string, signal: AbortSignal): Promise<void> {
  let run: ReportRunResource;
  try {
    run = await apiRequest<ReportRunResource>('GET', runPath(id));
  } catch (error) {
    showPage(h('h1', {}, 'Run not found'), errorBox(error instanceof ApiProblem ? error.message : 'The run could not be read.'), h('p', {}, h('a', { href: '#/runs' }, 'All runs')));
    return;
  }
  if (signal.aborted) return;

  const progress = runProgress(run, 'Run progress');
  const badge = h('span', { id: 'run-status' });
  const details = h('div', { class: 'run-details' });
  const message = statusRegion();
  showPage(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', run.id),
    h('div', { class: 'page-head' }, h('h1', {}, run.report_name), badge),
    h('section', { class: 'card', 'aria-label': 'Progress' }, progress.element),
    message,
    details,
  );

  // Progress events arrive every second; the sections are rebuilt only when what they show
  // changes, so keyboard focus (on Cancel, say) is not lost to a progress update.
  let shown = '';
  const render = (next: ReportRunResource) => {
    run = next;
    progress.update(next);
    const state = JSON.stringify([next.status, next.active_at, next.status_details.code, next.result?.file?.download_url.url]);
    if (state === shown) return;
    shown = state;
    badge.replaceChildren(statusBadge(next.status));
    details.replaceChildren(...runSections(next, cancel));
  };
  const cancel = async (button: HTMLButtonElement) => {
    button.disabled = true;
    message.textContent = 'Canceling…';
    try {
      render(await apiRequest<ReportRunResource>('POST', `${runPath(run.id)}/cancel`));
      message.textContent = 'The run was canceled.';
    } catch (error) {
      message.textContent = error instanceof ApiProblem ? error.message : 'The run could not be canceled.';
      button.disabled = false;
    }
  };
  render(run);

  // Live until the run ends: the event stream, and a plain read again if the stream breaks.
  while (run.status === 'running' && !signal.aborted) {
    try {
      await followRunEvents<ReportRunResource>(`${runPath(run.id)}/events`, render, signal);
    } catch {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      render(await apiRequest<ReportRunResource>('GET', runPath(run.id)).catch(() => run));
    }
  }
}

function runSections(run: ReportRunResource, cancel: (button: HTMLButtonElement) => Promise<void>): HTMLElement[] {
  const sections: HTMLElement[] = [];
  const finishedAt = run.succeeded_at ?? run.failed_at ?? run.canceled_at;
  const finishedLabel = run.status === 'running' ? 'Finished' : run.status[0]!.toUpperCase() + run.status.slice(1);
  sections.push(
    h('section', { class: 'card', 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, 'Timeline'),
      h('ol', { class: 'timeline' },
        h('li', { class: 'done' }, h('strong', {}, 'Created'), ' ', h('time', { datetime: run.created }, formatTime(run.created))),
        h('li', { class: run.active_at ? 'done' : '' }, h('strong', {}, 'Active'), ' ', run.active_at ? h('time', { datetime: run.active_at }, formatTime(run.active_at)) : 'waiting for a worker'),
        h('li', { class: finishedAt ? 'done' : '' }, h('strong', {}, finishedLabel), ' ', finishedAt ? h('time', { datetime: finishedAt }, formatTime(finishedAt)) : 'not yet',
          run.canceled_by ? ` by ${run.canceled_by}` : null))),
  );

  const actions = h('div', { class: 'actions' });
  const file = run.result?.file;
  if (run.status === 'succeeded' && file) {
    actions.append(
      h('a', { class: 'button', id: 'download', href: file.download_url.url, download: `${run.id}.${file.content_type}` }, `Download ${file.content_type.toUpperCase()}`),
      h('span', { class: 'hint' }, `${formatCount(file.rows)} rows, ${formatBytes(file.size)}`),
    );
  } else if (run.status === 'succeeded') {
    actions.append(h('span', { class: 'hint' }, 'The file has expired.'));
  }
  if (run.status === 'running') {
    const button = h('button', { type: 'button', class: 'danger', id: 'cancel-run' }, 'Cancel run');
    button.addEventListener('click', () => void cancel(button));
    actions.append(button);
  }
  if (actions.childNodes.length) sections.push(h('section', { class: 'card', 'aria-label': 'Actions' }, actions));

  if (run.status === 'failed') {
    sections.push(
      h('section', { class: 'card error-card', 'aria-labelledby': 'error-heading' },
        h('h2', { id: 'error-heading' }, 'Error'),
        h('p', {}, String(run.status_details.message ?? 'The run failed.')),
        typeof run.status_details.code === 'string'
          ? h('p', {}, 'Code ', h('a', { href: `/docs/errors/${encodeURIComponent(run.status_details.code)}` }, h('code', {}, run.status_details.code)))
          : null),
    );
  }

  sections.push(
    h('section', { class: 'card', 'aria-labelledby': 'parameters-heading' },
      h('h2', { id: 'parameters-heading' }, 'Parameters'),
      h('dl', { class: 'pairs' },
        h('dt', {}, 'Report'), h('dd', {}, h('code', {}, run.report)),
        Object.entries(run.report_parameters).flatMap(([name, value]) => [
          h('dt', {}, name),
          h('dd', {}, Array.isArray(value) ? value.join(', ') : String(value)),
        ]),
        h('dt', {}, 'Format'), h('dd', {}, `${run.result_options?.format ?? 'csv'}${run.result_options?.compress_file ? ', zipped' : ''}`),
        h('dt', {}, 'Mode'), h('dd', {}, run.livemode ? 'live' : 'test'))),
  );
  return sections;
}
