import type { AirplaneOutputs, AirplaneParameter, AirplaneRun, AirplaneRunStatus } from '@reportrun/core';
import type { ReportRun } from '@reportrun/db';
import { findCatalogReport, type CatalogReport, type ReportParameterSpec } from '@reportrun/reports';
import type { DownloadUrl } from '@reportrun/storage';

/**
 * Airplane's views of a stored run (its GetRunResponse) and of its result file. A run is never
 * `NotStarted` here: creating it queues it in the same request, so it starts `Queued` and is
 * `Active` once a worker has taken it.
 */

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function statusOf(run: ReportRun): AirplaneRunStatus {
  switch (run.status) {
    case 'running':
      return run.activeAt ? 'Active' : 'Queued';
    case 'succeeded':
      return 'Succeeded';
    case 'failed':
      return 'Failed';
    case 'canceled':
      return 'Cancelled';
  }
}

function parameterOf(report: CatalogReport, spec: ReportParameterSpec): AirplaneParameter {
  const base = { slug: spec.name, name: spec.name, desc: spec.description };
  switch (spec.kind) {
    case 'timestamp':
      return { ...base, type: 'datetime', multi: false, constraints: { optional: !spec.required } };
    case 'enum':
      return {
        ...base,
        type: 'string',
        multi: false,
        constraints: { optional: !spec.required, options: spec.allowedValues.map((value) => ({ label: value, value })) },
      };
    case 'columns':
      return {
        ...base,
        type: 'string',
        multi: true,
        default: report.columns.filter((column) => column.includedByDefault !== false).map((column) => column.name),
        constraints: {
          optional: !spec.required,
          options: report.columns.map((column) => ({ label: column.name, value: column.name })),
        },
      };
    case 'time_zone':
      return { ...base, type: 'string', multi: false, default: spec.default, constraints: { optional: !spec.required } };
    case 'currency':
      return { ...base, type: 'string', multi: false, constraints: { optional: !spec.required } };
  }
}

/** The parameter schema of the run's task: a catalog report's; a saved report takes none. */
function paramsOf(run: ReportRun): AirplaneParameter[] {
  const report = findCatalogReport(run.reportId);
  return report ? report.parameters.map((spec) => parameterOf(report, spec)) : [];
}

export function toAirplaneRun(run: ReportRun): AirplaneRun {
  return {
    id: run.id,
    taskID: run.reportId,
    paramValues: run.reportParameters as Record<string, unknown>,
    params: paramsOf(run),
    status: statusOf(run),
    createdAt: run.createdAt.toISOString(),
    createdBy: run.createdBy,
    activeAt: iso(run.activeAt),
    succeededAt: iso(run.succeededAt),
    failedAt: iso(run.failedAt),
    cancelledAt: iso(run.canceledAt),
    cancelledBy: run.canceledBy,
    teamID: run.teamId,
    timeout: run.timeoutSeconds,
    // The team's storage zone when the run was made; null: the deployment's own bucket.
    zoneID: run.storageZoneId,
    isPrivate: false,
    permissions: [],
    runtime: 'standard',
    sessionID: null,
    constraints: {},
    resources: {},
  };
}

const mediaTypes = { csv: 'text/csv', zip: 'application/zip', json: 'application/x-ndjson' } as const;

/** The run's file with a fresh download URL, or null while there is none (not succeeded, expired). */
export function toAirplaneOutputs(run: ReportRun, download: DownloadUrl | null): AirplaneOutputs {
  const format = run.fileContentType;
  if (!download || (format !== 'csv' && format !== 'zip' && format !== 'json')) return { output: null };
  return {
    output: {
      contentType: mediaTypes[format],
      format,
      size: Number(run.fileSize ?? 0),
      rows: Number(run.fileRows ?? 0),
      url: download.url,
      expiresAt: download.expiresAt.toISOString(),
    },
  };
}
