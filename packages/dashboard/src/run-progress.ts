import type { ReportRunResource } from '@reportrun/core';
import { h } from './dom.ts';
import { formatBytes, formatCount } from './format.ts';

/**
 * How far a run is, as a bar. The API reports the stage and the rows and bytes written so far,
 * not a total, so the bar moves by stage (queued, querying, uploading, ended) and the counts are
 * shown as text beside it.
 */
const stageShare: Record<string, number> = { queued: 5, querying: 25, uploading: 60 };

export function progressPercent(run: ReportRunResource): number {
  if (run.status !== 'running') return 100;
  return stageShare[String(run.status_details.stage)] ?? 5;
}

export function progressText(run: ReportRunResource): string {
  if (run.status === 'succeeded') {
    const file = run.result?.file;
    return file ? `Done: ${formatCount(file.rows)} rows, ${formatBytes(file.size)}` : 'Done';
  }
  if (run.status !== 'running') return run.status[0]!.toUpperCase() + run.status.slice(1);
  const stage = String(run.status_details.stage ?? 'queued');
  const rows = run.status_details.rows;
  const bytes = run.status_details.bytes;
  const counts = typeof rows === 'number' ? `: ${formatCount(rows)} rows${typeof bytes === 'number' ? `, ${formatBytes(bytes)}` : ''}` : '';
  return `${stage[0]!.toUpperCase()}${stage.slice(1)}${counts}`;
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}`, 'data-status': status }, status);
}

/** A labelled progress bar for one run, updated in place by `update`. */
export function runProgress(run: ReportRunResource, label: string) {
  const bar = h('progress', { max: 100, value: progressPercent(run), 'aria-label': label });
  const text = h('span', { class: 'progress-text' }, progressText(run));
  const element = h('div', { class: 'progress', 'data-run': run.id }, bar, ' ', text);
  return {
    element,
    update(next: ReportRunResource) {
      bar.value = progressPercent(next);
      bar.setAttribute('aria-valuetext', `${bar.value}%: ${progressText(next)}`);
      bar.dataset.percent = String(bar.value);
      text.textContent = progressText(next);
      element.dataset.status = next.status;
    },
  };
}
