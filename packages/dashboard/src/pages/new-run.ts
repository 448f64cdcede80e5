import type { ReportList, ReportResource, ReportRunResource } from '@reportrun/core';
import { apiRequest, ApiProblem } from '../api-client.ts';
import { errorBox, h, showPage } from '../dom.ts';
import { parameterFields, type ParameterFields } from '../parameter-form.ts';

/** A run of a catalog report, its form generated from the report's parameters. */
export async function showNewRun(reportId: string | null): Promise<void> {
  let reports: ReportList;
  try {
    reports = await apiRequest<ReportList>('GET', '/v2/reporting/reports');
  } catch (error) {
    showPage(h('h1', {}, 'New run'), errorBox(error instanceof ApiProblem ? error.message : 'The reports could not be read.'));
    return;
  }
  const chosen = reports.data.find((report) => report.id === reportId)?.id ?? reports.data[0]?.id ?? '';
  const reportSelect = h('select', { id: 'report', name: 'report', required: true },
    reports.data.map((report) => h('option', { value: report.id, ...(report.id === chosen ? { selected: true } : {}) }, report.name)));
  const description = h('p', { class: 'hint', id: 'report-description' });
  reportSelect.setAttribute('aria-describedby', 'report-description');
  const parametersSlot = h('div');
  const format = h('select', { id: 'format', name: 'format' }, h('option', { value: 'csv' }, 'CSV'), h('option', { value: 'json' }, 'JSON Lines'));
  const compress = h('input', { type: 'checkbox', id: 'compress', name: 'compress' });
  const message = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit' }, 'Create run');
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-run-heading', novalidate: true },
    h('div', { class: 'field', 'data-param': 'report' }, h('label', { for: 'report' }, 'Report'), reportSelect, description),
    parametersSlot,
    h('fieldset', { class: 'options' }, h('legend', {}, 'File'),
      h('div', { class: 'field', 'data-param': 'result_options.format' }, h('label', { for: 'format' }, 'Format'), format),
      h('label', { class: 'check', for: 'compress' }, compress, ' Compress as ZIP')),
    message,
    submit);

  let fields: ParameterFields | null = null;
  // Only the latest load renders: a slow answer for an earlier choice must never replace the
  // fields of a later one (or fields someone has started to fill in).
  let latestLoad = 0;
  let loadedReport: string | null = null;
  const loadReport = async (id: string) => {
    const load = (latestLoad += 1);
    parametersSlot.replaceChildren(h('p', { 'aria-busy': 'true' }, 'Loading parameters…'));
    try {
      const report = await apiRequest<ReportResource>('GET', `/v2/reporting/reports/${encodeURIComponent(id)}`);
      if (load !== latestLoad) return;
      description.textContent = report.description;
      fields = parameterFields(report);
      loadedReport = id;
      parametersSlot.replaceChildren(fields.element);
    } catch (error) {
      if (load !== latestLoad) return;
      fields = null;
      loadedReport = null;
      parametersSlot.replaceChildren(errorBox(error instanceof ApiProblem ? error.message : 'The report could not be read.'));
    }
  };
  // Choosing the report already shown keeps what was typed into its fields.
  reportSelect.addEventListener('change', () => {
    if (reportSelect.value !== loadedReport || !fields) void loadReport(reportSelect.value);
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!fields) return;
    fields.clearInvalid();
    message.replaceChildren();
    submit.disabled = true;
    try {
      const run = await apiRequest<ReportRunResource>('POST', '/v2/reporting/report_runs', {
        report: reportSelect.value,
        report_parameters: fields.values(),
        result_options: { format: format.value, compress_file: compress.checked },
      });
      location.hash = `#/runs/${encodeURIComponent(run.id)}`;
    } catch (error) {
      submit.disabled = false;
      if (error instanceof ApiProblem) {
        message.append(errorBox(error.message));
        if (error.param) fields.markInvalid(error.param, error.detail ?? error.title);
      } else message.append(errorBox('The API could not be reached.'));
    }
  });

  showPage(h('h1', { id: 'new-run-heading' }, 'New run'), form);
  if (chosen) await loadReport(chosen);
}
