export { listCatalogReports, findCatalogReport, getCatalogReport } from './catalog/index.ts';
export { validateReportParameters, type ValidatedParameters } from './parameters.ts';
export { compileReportSql, bindSettingsSql, type CompiledReport } from './compile.ts';
export { majorUnitsSql, zeroDecimalCurrencies } from './money.ts';
export type {
  CatalogReport,
  ReportColumn,
  ReportParameterSpec,
  ReportParameterValues,
  ColumnKind,
  ColumnType,
} from './types.ts';
