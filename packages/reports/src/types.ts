export type ParameterType = 'timestamp' | 'currency' | 'string';

/** One parameter a report accepts, in the shape of Stripe's v2 `Report.parameters`. */
export interface ReportParameterSpec {
  name: string;
  type: ParameterType;
  required: boolean;
  description: string;
  /** For strings with a closed set of values. */
  allowedValues?: readonly string[];
}

export type ColumnKind = 'dimension' | 'measure';
export type ColumnType = 'text' | 'decimal' | 'integer' | 'timestamp';

export interface ReportColumn {
  name: string;
  kind: ColumnKind;
  type: ColumnType;
  description: string;
  /** SQL expression over the report's source; written here, never taken from a request. */
  expression: string;
}

/** Parameter values after validation: timestamps as Date, the rest as strings. */
export type ReportParameterValues = Record<string, Date | string>;

export interface CatalogReport {
  id: string;
  name: string;
  description: string;
  parameters: readonly ReportParameterSpec[];
  columns: readonly ReportColumn[];
  defaultTimeoutSeconds: number;
  /** FROM/WHERE/ORDER BY of the report; values come only through `bind`. */
  source(bind: BindParameter, values: ReportParameterValues): ReportSource;
}

export interface ReportSource {
  from: string;
  where: string[];
  orderBy: string;
}

/** Registers a value and returns the SQL that reads it back as the given Postgres type. */
export type BindParameter = (value: string, pgType: 'timestamptz' | 'text') => string;
