import {
  pathOf,
  apiPaths,
  stripeV1FileIdOf,
  stripeV1RunIdOf,
  type StripeV1File,
  type StripeV1ReportRun,
  type StripeV1ReportType,
} from '@reportrun/core';
import type { ReportRun } from '@reportrun/db';
import type { CatalogReport } from '@reportrun/reports';
import { resultExpiredAt } from '@reportrun/status';

/**
 * Stripe's v1 views of a stored run, its file and a catalog report. Times are Unix seconds. v1
 * knows no `canceled`: a canceled run reads `failed`, its `error` saying it was canceled.
 */

const unix = (date: Date) => Math.floor(date.getTime() / 1000);

const fileExtensions: Record<string, string> = { csv: 'csv', zip: 'zip', json: 'jsonl' };

/** Where a file's contents are served; absolute when the request said which host it reached. */
export function fileContentsUrl(origin: string | undefined, fileId: string): string {
  return `${origin ?? ''}${pathOf(apiPaths.v1FileContents, fileId)}`;
}

export function toStripeV1File(run: ReportRun, origin: string | undefined, now: Date = new Date()): StripeV1File | null {
  if (run.status !== 'succeeded' || !run.fileContentType || !run.fileObjectKey || resultExpiredAt(run, now)) {
    return null;
  }
  const id = stripeV1FileIdOf(run.id);
  const type = fileExtensions[run.fileContentType] ?? run.fileContentType;
  return {
    id,
    object: 'file',
    created: unix(run.succeededAt ?? run.createdAt),
    expires_at: run.fileExpiresAt ? unix(run.fileExpiresAt) : null,
    filename: `${stripeV1RunIdOf(run.id)}.${type}`,
    purpose: 'finance_report_run',
    size: Number(run.fileSize ?? 0),
    title: null,
    type,
    url: fileContentsUrl(origin, id),
  };
}

/** Stored parameters hold RFC 3339 timestamps; v1 shows the interval in Unix seconds. */
function v1Parameters(stored: unknown): Record<string, unknown> {
  const parameters: Record<string, unknown> = { ...(stored as Record<string, unknown>) };
  for (const name of ['interval_start', 'interval_end']) {
    const value = parameters[name];
    if (typeof value === 'string') parameters[name] = unix(new Date(value));
  }
  return parameters;
}

function v1Status(run: ReportRun): StripeV1ReportRun['status'] {
  if (run.status === 'running') return 'pending';
  return run.status === 'succeeded' ? 'succeeded' : 'failed';
}

function v1Error(run: ReportRun): string | null {
  if (run.status === 'canceled') return 'The report run was canceled.';
  if (run.status !== 'failed') return null;
  const details = run.statusDetails as { message?: unknown; code?: unknown };
  return typeof details.message === 'string' ? details.message : 'The report run failed.';
}

export function toStripeV1ReportRun(run: ReportRun, origin: string | undefined, now: Date = new Date()): StripeV1ReportRun {
  return {
    id: stripeV1RunIdOf(run.id),
    object: 'reporting.report_run',
    created: unix(run.createdAt),
    error: v1Error(run),
    livemode: run.livemode,
    parameters: v1Parameters(run.reportParameters),
    report_type: run.reportId,
    result: toStripeV1File(run, origin, now),
    status: v1Status(run),
    succeeded_at: run.succeededAt ? unix(run.succeededAt) : null,
  };
}

/** `balance.summary.1` is version 1 of its report. */
function versionOf(reportId: string): number {
  const match = /\.(\d+)$/.exec(reportId);
  return match ? Number(match[1]) : 1;
}

export function toStripeV1ReportType(
  report: CatalogReport,
  livemode: boolean,
  availability: { start: Date; end: Date },
): StripeV1ReportType {
  return {
    id: report.id,
    object: 'reporting.report_type',
    data_available_start: unix(availability.start),
    data_available_end: unix(availability.end),
    default_columns: report.columns.filter((column) => column.includedByDefault !== false).map((column) => column.name),
    livemode,
    name: report.name,
    // The catalog changes only with a release; what moves is the data, so a type is as recent
    // as the ledger it reads.
    updated: unix(availability.end),
    version: versionOf(report.id),
  };
}
