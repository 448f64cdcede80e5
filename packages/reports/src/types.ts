/**
 * How a parameter is validated. The public view maps these onto Stripe's v2 parameter types
 * (`timestamp`, `string`, `enum`, `array`): a currency and a time zone are strings to Stripe,
 * but each needs its own check here.
 */
export type ParameterKind = 'timestamp' | 'currency' | 'time_zone' | 'enum' | 'columns';

interface ParameterSpecBase {
  name: string;
  required: boolean;
  description: string;
}

/** One parameter a report accepts; the shape behind Stripe's v2 `Report.parameters`. */
export type ReportParameterSpec =
  | (ParameterSpecBase & { kind: 'timestamp'; min: Date; max: Date })
  | (ParameterSpecBase & { kind: 'currency' })
  | (ParameterSpecBase & { kind: 'time_zone'; default: string })
  | (ParameterSpecBase & { kind: 'enum'; allowedValues: readonly string[] })
  /** The report's own column names are the allowed values; its default columns the default. */
  | (ParameterSpecBase & { kind: 'columns' });

export type ColumnKind = 'dimension' | 'measure';
/**
 * `text` cells are neutralised against spreadsheet formulas; `decimal` cells are amounts in
 * major units (strings in JSON, so no digit is lost to floating point); `timestamp` and `date`
 * cells are formatted text.
 */
export type ColumnType = 'text' | 'decimal' | 'integer' | 'timestamp' | 'date';

export interface ReportColumn {
  name: string;
  kind: ColumnKind;
  type: ColumnType;
  description: string;
  /** SQL expression over the report's source; written here, never taken from a request. */
  expression: string;
  /** `false`: only in the file when the run asks for it through `columns`. */
  includedByDefault?: false;
}

/** A validated parameter value: timestamps as Date, lists (columns) as arrays, the rest text. */
export type ParameterValue = Date | string | readonly string[];

/** Parameter values after validation, by parameter name; defaults applied. */
export type ReportParameterValues = Readonly<Record<string, ParameterValue>>;

export interface CatalogReport {
  id: string;
  name: string;
  description: string;
  parameters: readonly ReportParameterSpec[];
  columns: readonly ReportColumn[];
  defaultTimeoutSeconds: number;
  /** The scoping fields (see data-scope.ts) its rows carry; a scope on any other field empties it. */
  scopingFields: readonly string[];
  /**
   * FROM/WHERE/ORDER BY of the report; values come only through `bind`. Every read of a dataset
   * table passes through `scope`, which gives the conditions that keep the run's data scope.
   */
  source(bind: BindParameter, values: ReportParameterValues, scope: ScopeRows): ReportSource;
}

export interface ReportSource {
  /** A table, a join, or a derived table `( … ) AS alias` the column expressions read from. */
  from: string;
  where: string[];
  orderBy: string;
  /**
   * A timestamptz expression that leads `orderBy`, so rows in consecutive ranges of it are
   * consecutive runs of the file: a large export may then read the ranges on several
   * connections and write them one after another.
   */
  shardKey?: string;
}

/** Registers a value and returns the SQL that reads it back as the given Postgres type. */
export type BindParameter = (value: string, pgType: 'timestamptz' | 'text' | 'jsonb') => string;

/**
 * The run's data-scope conditions over some rows, given each scoping field's SQL expression on
 * them (every field of the report's `scopingFields`). Empty for an unscoped run.
 */
export type ScopeRows = (columns: Readonly<Record<string, string>>) => string[];
