import type { DataScope, TimeGrain } from '@reportrun/core';
import { scopeConditions } from '../data-scope.ts';
import { settingPrefix, type CompiledReport } from '../compile.ts';
import { neutraliseFormulaSql } from '../formula-escape.ts';
import { rfc3339LocalSql } from '../sql-time.ts';
import type { FieldType } from './datasets.ts';
import type {
  ResolvedDimension,
  ResolvedFilter,
  ResolvedMeasure,
  ResolvedQuery,
  ResultColumn,
} from './resolve-query.ts';

export interface CompileSavedQueryOptions {
  /** The file format a worker writes (`COPY`); the synchronous run reads rows either way. */
  format: CompiledReport['format'];
  /**
   * Neutralise text cells a spreadsheet would run as formulas: for CSV files written by `COPY`.
   * Rows answered as JSON keep their values as they are.
   */
  escapeFormulas: boolean;
  /** Rows to ask for instead of the query's limit (a synchronous run asks for one past its cap). */
  limit?: number;
  /** The data scope the rows are limited to, on top of the query's own filters. Null: unscoped. */
  dataScope?: DataScope | null;
}

/** A compiled saved query: what the worker's export takes, plus the typed result columns. */
export interface CompiledSavedQuery extends CompiledReport {
  resultColumns: ResultColumn[];
}

type PgType = 'text' | 'bigint' | 'timestamptz' | 'jsonb';
const pgTypeOf: Record<FieldType, PgType> = { text: 'text', integer: 'bigint', timestamp: 'timestamptz' };
const grainUnit: Record<TimeGrain, string> = { hour: 'hour', day: 'day', week: 'week', month: 'month' };
// Column names come from declared field names and fixed words; this guards that promise.
const safeAlias = /^[a-z][a-z0-9_]*$/;

/**
 * Compiles a resolved query to one SELECT. The SQL text holds only what this file and the
 * dataset declaration write: table and column names, operators, aggregate functions, and
 * `current_setting('reportrun.pN')::type` reads. Every value from the query — time range,
 * filter values, time zones, the limit — travels as a bind parameter of `set_config` (see
 * `bindSettingsSql`), so the same SQL can run inside `COPY (…) TO STDOUT`, which takes no
 * parameters of its own.
 */
export function compileSavedQuery(
  query: ResolvedQuery,
  options: CompileSavedQueryOptions,
): CompiledSavedQuery {
  const settings: CompiledReport['settings'] = [];
  const bind = (value: string, pgType: PgType) => {
    const name = `${settingPrefix}${settings.length + 1}`;
    settings.push({ name, value });
    return `current_setting('${name}')::${pgType}`;
  };

  const dimensions = query.dimensions.map((dimension) => compileDimension(dimension, bind, options));
  const measures = query.measures.map(compileMeasure);
  const select = [...dimensions.map((d) => d.select), ...measures].map((expression, index) => {
    const alias = query.columns[index]!.name;
    if (!safeAlias.test(alias)) throw new Error(`unsafe column name ${JSON.stringify(alias)}`);
    return `${expression} AS "${alias}"`;
  });

  const where = [
    `${query.timeField.column} >= ${bind(query.from.toISOString(), 'timestamptz')}`,
    `${query.timeField.column} < ${bind(query.to.toISOString(), 'timestamptz')}`,
    ...query.filters.map((filter) => compileFilter(filter, bind)),
    ...(options.dataScope ? scopeConditions(bind, options.dataScope, scopingColumns(query)) : []),
  ];

  const groupBy = dimensions.map((dimension) => dimension.key);
  // The caller's order first; then every dimension not yet ordered by, so ties (and LIMIT) are
  // deterministic and the synchronous and async runs of one query list rows alike.
  const orderBy = query.orderBy.map((order) => {
    const index = query.columns.findIndex((column) => column.name === order.column);
    const expression = index < dimensions.length ? dimensions[index]!.key : String(index + 1);
    return `${expression} ${order.direction === 'desc' ? 'DESC' : 'ASC'}`;
  });
  dimensions.forEach((dimension, index) => {
    if (!query.orderBy.some((order) => order.column === query.columns[index]!.name))
      orderBy.push(`${dimension.key} ASC`);
  });

  const limit = bind(String(options.limit ?? query.limit), 'bigint');
  const sql = [
    `SELECT\n  ${select.join(',\n  ')}`,
    `FROM ${query.dataset.table} AS t`,
    `WHERE ${where.join('\n  AND ')}`,
    groupBy.length > 0 ? `GROUP BY ${groupBy.join(', ')}` : '',
    orderBy.length > 0 ? `ORDER BY ${orderBy.join(', ')}` : '',
    `LIMIT ${limit}`,
  ]
    .filter((line) => line !== '')
    .join('\n');
  return {
    sql,
    settings,
    format: options.format,
    columns: query.columns.map((column) => column.name),
    resultColumns: query.columns,
  };
}

type Bind = (value: string, pgType: PgType) => string;

/** The SQL column of each scoping field the query's dataset declares. */
function scopingColumns(query: ResolvedQuery): Record<string, string> {
  const columns: Record<string, string> = {};
  for (const name of query.dataset.scopingFields) {
    const field = query.dataset.fields.find((candidate) => candidate.name === name);
    if (!field) throw new Error(`dataset ${query.dataset.name} declares unknown scoping field ${name}`);
    columns[name] = field.column;
  }
  return columns;
}

/** `key` is what rows group and sort by; `select` is how the value is shown. */
function compileDimension(
  dimension: ResolvedDimension,
  bind: Bind,
  options: CompileSavedQueryOptions,
): { key: string; select: string } {
  const column = dimension.field.column;
  if (dimension.bucket) {
    const zone = bind(dimension.bucket.timeZone, 'text');
    const key = `date_trunc('${grainUnit[dimension.bucket.grain]}', ${column}, ${zone})`;
    // The bucket's start as RFC 3339 with the zone's offset at that instant: the offset keeps
    // the two 01:00 hours of a DST fall-back apart.
    return { key, select: rfc3339LocalSql(key, zone) };
  }
  return {
    key: column,
    select: options.escapeFormulas && dimension.field.type === 'text' ? neutraliseFormulaSql(column) : column,
  };
}

function compileMeasure(measure: ResolvedMeasure): string {
  const column = measure.field?.column;
  switch (measure.aggregate) {
    case 'count':
      return column ? `count(${column})` : 'count(*)';
    case 'count_distinct':
      return `count(DISTINCT ${column})`;
    case 'sum':
      return `sum(${column})`;
    case 'avg':
      // Four places: enough for an average of minor units, and the same text in every format.
      return `round(avg(${column}), 4)`;
    case 'min':
      return `min(${column})`;
    case 'max':
      return `max(${column})`;
  }
}

function compileFilter(filter: ResolvedFilter, bind: Bind): string {
  const column = filter.field.column;
  const pgType = pgTypeOf[filter.field.type];
  const value = () => bind(filter.values[0]!, pgType);
  const list = () => filter.values.map((item) => bind(item, pgType)).join(', ');
  switch (filter.op) {
    case 'eq':
      return `${column} = ${value()}`;
    case 'neq':
      // "not this value" includes rows where the field is null.
      return `${column} IS DISTINCT FROM ${value()}`;
    case 'gt':
      return `${column} > ${value()}`;
    case 'gte':
      return `${column} >= ${value()}`;
    case 'lt':
      return `${column} < ${value()}`;
    case 'lte':
      return `${column} <= ${value()}`;
    case 'in':
      return `${column} IN (${list()})`;
    case 'not_in':
      return `(${column} IS NULL OR ${column} NOT IN (${list()}))`;
    case 'contains':
      // strpos, not LIKE: % and _ in the value are plain characters.
      return `strpos(${column}, ${value()}) > 0`;
    case 'is_null':
      return `${column} IS NULL`;
    case 'is_not_null':
      return `${column} IS NOT NULL`;
  }
}
