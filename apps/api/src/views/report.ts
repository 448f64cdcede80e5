import type { ReportParameterResource, ReportResource } from '@reportrun/core';
import type { CatalogReport, ReportParameterSpec } from '@reportrun/reports';

/**
 * The Stripe v2 `Report` view of a catalog report. Stripe's parameter types are coarser than
 * the catalog's checks: a currency and a time zone are `string`s, the column list an `array`
 * of `enum`s whose allowed values are the report's columns.
 */
export function toReportResource(report: CatalogReport, livemode: boolean): ReportResource {
  return {
    id: report.id,
    object: 'v2.reporting.report',
    livemode,
    name: report.name,
    description: report.description,
    parameters: Object.fromEntries(report.parameters.map((spec) => [spec.name, toParameter(report, spec)])),
    columns: report.columns.map((column) => ({
      name: column.name,
      kind: column.kind,
      type: column.type,
      description: column.description,
      default: column.includedByDefault !== false,
    })),
  };
}

function toParameter(report: CatalogReport, spec: ReportParameterSpec): ReportParameterResource {
  const base = {
    description: spec.description,
    required: spec.required,
    array_details: null,
    enum_details: null,
    timestamp_details: null,
    default: null,
  };
  switch (spec.kind) {
    case 'timestamp':
      return {
        ...base,
        type: 'timestamp',
        timestamp_details: { min: spec.min.toISOString(), max: spec.max.toISOString() },
      };
    case 'currency':
      return { ...base, type: 'string' };
    case 'time_zone':
      return { ...base, type: 'string', default: spec.default };
    case 'enum':
      return { ...base, type: 'enum', enum_details: { allowed_values: [...spec.allowedValues] } };
    case 'columns':
      return {
        ...base,
        type: 'array',
        array_details: {
          element_type: 'enum',
          enum_details: { allowed_values: report.columns.map((column) => column.name) },
        },
        default: report.columns.filter((column) => column.includedByDefault !== false).map((column) => column.name),
      };
  }
}
