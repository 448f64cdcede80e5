export { listCatalogReports, findCatalogReport, getCatalogReport } from './catalog/index.ts';
export { validateReportParameters, type ValidatedParameters } from './parameters.ts';
export {
  compileReportSql,
  bindSettingsSql,
  shardFromSetting,
  shardToSetting,
  type CompiledReport,
  type CompileOptions,
  type ShardQueries,
  type TotalsQuery,
} from './compile.ts';
export { copyStatementSql, resultFileFormats } from './result-format.ts';
export { neutraliseFormulaSql, formulaTriggerCharacters } from './formula-escape.ts';
export { resolveTimeZone, checkTimeZone, offsetAt, wallClockAt, InvalidTimeZone } from './time-zone.ts';
export { scopingFields, validateDataScope, scopeConditions, type ScopingField } from './data-scope.ts';
export { resolveTimeRange, type ResolvedTimeRange } from './relative-time-range.ts';
export {
  isSavedCatalogDefinition,
  resolveSavedCatalogReport,
  savedCatalogRunParameters,
  type SavedCatalogDefinition,
} from './saved-catalog-report.ts';
export { reportingCategories, supportedInterval, defaultTimeZone } from './catalog/common-parameters.ts';
export { majorUnitsSql, zeroDecimalCurrencies } from './money.ts';
export type {
  CatalogReport,
  ReportColumn,
  ReportParameterSpec,
  ReportParameterValues,
  ScopeRows,
  ParameterKind,
  ParameterValue,
  ColumnKind,
  ColumnType,
} from './types.ts';
export {
  balanceTransactionsDataset,
  findDataset,
  listDatasets,
  type Dataset,
  type DatasetField,
  type FieldType,
} from './saved-query/datasets.ts';
export {
  resolveSavedQuery,
  formatPath,
  type ResolvedQuery,
  type ResolveQueryOptions,
  type ResultColumn,
} from './saved-query/resolve-query.ts';
export {
  compileSavedQuery,
  type CompileSavedQueryOptions,
  type CompiledSavedQuery,
} from './saved-query/compile-query.ts';
export { compileSavedReportSql, resolveStoredQuery } from './saved-query/compile-saved-report.ts';
export { neutraliseFormula } from './saved-query/formula-guard.ts';
export {
  toResultRows,
  renderCsv,
  type RawRow,
  type ResultCell,
  type ResultRow,
} from './saved-query/render-result.ts';
