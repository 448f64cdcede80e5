import {
  InvalidParameter,
  type FilterOperator,
  type MeasureAggregate,
  type SavedQuery,
  type SavedQueryFilter,
  type SavedQueryFilterValue,
  type TimeGrain,
} from '@reportrun/core';
import { findDataset, listDatasets, type Dataset, type DatasetField } from './datasets.ts';
import { resolveTimeZone } from '../time-zone.ts';
import { resolveTimeRange, type ResolvedTimeRange } from '../relative-time-range.ts';
import { parseRfc3339 } from '../rfc3339.ts';

export type ColumnKind = 'dimension' | 'measure';

/** One result column: its name in rows, and whether its cells are numbers or text. */
export interface ResultColumn {
  name: string;
  kind: ColumnKind;
  cell: 'text' | 'number';
}

export interface ResolvedDimension {
  name: string;
  field: DatasetField;
  /** Set exactly when the field is a timestamp. */
  bucket: { grain: TimeGrain; timeZone: string } | null;
}

export interface ResolvedMeasure {
  name: string;
  aggregate: MeasureAggregate;
  /** Null only for `count` of rows. */
  field: DatasetField | null;
}

export interface ResolvedFilter {
  field: DatasetField;
  op: FilterOperator;
  /** Values in their text form, ready to bind: one for scalar ops, several for in/not_in. */
  values: string[];
}

export interface ResolvedOrder {
  column: string;
  direction: 'asc' | 'desc';
}

/** A query checked against its dataset: every name resolved to a declared field. */
export interface ResolvedQuery {
  dataset: Dataset;
  timeField: DatasetField;
  from: Date;
  to: Date;
  dimensions: ResolvedDimension[];
  measures: ResolvedMeasure[];
  filters: ResolvedFilter[];
  orderBy: ResolvedOrder[];
  limit: number;
  /** Dimensions first, then measures, each in the order the query lists them. */
  columns: ResultColumn[];
  /** The query as it is stored and shown back: times in UTC, time zones canonical. */
  normalized: SavedQuery;
}

type PathSegment = string | number;

/** `query.filters[2].field`: the way a caller would write the path in JavaScript. */
export function formatPath(segments: readonly PathSegment[]): string {
  return segments.reduce<string>(
    (path, segment) =>
      typeof segment === 'number' ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  );
}

const numericAggregates: ReadonlySet<MeasureAggregate> = new Set(['sum', 'avg', 'min', 'max']);
const textOnlyOperators: ReadonlySet<FilterOperator> = new Set(['contains']);
const listOperators: ReadonlySet<FilterOperator> = new Set(['in', 'not_in']);
const nullOperators: ReadonlySet<FilterOperator> = new Set(['is_null', 'is_not_null']);

/**
 * Checks a query's names and values against its dataset's declaration. Every refusal is an
 * InvalidParameter naming the path under `root` (e.g. `query.measures[1].field`), so a caller
 * sees exactly which part of the query to fix.
 */
export interface ResolveQueryOptions {
  /** When a relative time range is resolved: the run's creation (defaults to now). */
  at?: Date;
  /**
   * The range a relative time range already resolved to, stored on the run when it was made (a
   * schedule resolves it in its own zone at firing time); wins over `at`.
   */
  timeRange?: ResolvedTimeRange;
}

export function resolveSavedQuery(
  query: SavedQuery,
  root: readonly PathSegment[] = ['query'],
  options: ResolveQueryOptions = {},
): ResolvedQuery {
  const path = (...segments: PathSegment[]) => formatPath([...root, ...segments]);
  const fail = (segments: PathSegment[], detail: string): never => {
    throw new InvalidParameter(path(...segments), `${path(...segments)}: ${detail}`);
  };

  const dataset = findDataset(query.dataset);
  if (!dataset) {
    return fail(
      ['dataset'],
      `there is no dataset with that name. Datasets: ${listDatasets()
        .map((d) => d.name)
        .join(', ')}.`,
    );
  }
  const fields = new Map(dataset.fields.map((field) => [field.name, field]));
  const fieldNames = dataset.fields.map((field) => field.name).join(', ');
  const fieldAt = (name: string, segments: PathSegment[]): DatasetField =>
    fields.get(name) ??
    fail(segments, `the dataset ${dataset.name} has no such field. Fields: ${fieldNames}.`);

  const range = query.time_range;
  let from: Date;
  let to: Date;
  let normalizedRange: SavedQuery['time_range'];
  if (range.relative !== undefined) {
    const timeZone =
      resolveTimeZone(range.time_zone ?? 'UTC') ??
      fail(['time_range', 'time_zone'], 'must be an IANA time zone name, e.g. Europe/Berlin.');
    ({ from, to } = options.timeRange ?? resolveTimeRange(range as { relative: typeof range.relative; n?: number }, options.at ?? new Date(), timeZone));
    normalizedRange = { relative: range.relative, ...(range.n !== undefined ? { n: range.n } : {}), time_zone: timeZone };
  } else {
    from =
      parseRfc3339(range.from ?? '') ??
      fail(['time_range', 'from'], 'must be an RFC 3339 timestamp that exists.');
    to =
      parseRfc3339(range.to ?? '') ??
      fail(['time_range', 'to'], 'must be an RFC 3339 timestamp that exists.');
    if (from.getTime() >= to.getTime())
      fail(['time_range', 'to'], 'must be later than time_range.from (the range is [from, to)).');
    normalizedRange = { from: from.toISOString(), to: to.toISOString() };
  }

  const columns: ResultColumn[] = [];
  const claimColumn = (column: ResultColumn, segments: PathSegment[]) => {
    if (columns.some((existing) => existing.name === column.name)) {
      fail(segments, `produces the column '${column.name}' a second time; each column may appear once.`);
    }
    columns.push(column);
  };

  const dimensions = query.dimensions.map((dimension, index): ResolvedDimension => {
    const field = fieldAt(dimension.field, ['dimensions', index, 'field']);
    if (field.type !== 'timestamp') {
      if (dimension.grain !== undefined)
        fail(
          ['dimensions', index, 'grain'],
          `only timestamp fields take a grain; '${field.name}' is ${field.type}.`,
        );
      if (dimension.time_zone !== undefined)
        fail(['dimensions', index, 'time_zone'], 'a time zone applies only with a grain.');
      claimColumn(
        { name: field.name, kind: 'dimension', cell: field.type === 'integer' ? 'number' : 'text' },
        ['dimensions', index],
      );
      return { name: field.name, field, bucket: null };
    }
    const grain =
      dimension.grain ??
      fail(
        ['dimensions', index, 'grain'],
        `the timestamp field '${field.name}' needs a grain: hour, day, week or month.`,
      );
    const timeZone =
      dimension.time_zone === undefined
        ? 'UTC'
        : (resolveTimeZone(dimension.time_zone) ??
          fail(['dimensions', index, 'time_zone'], 'must be an IANA time zone such as America/New_York.'));
    const name = `${field.name}_${grain}`;
    claimColumn({ name, kind: 'dimension', cell: 'text' }, ['dimensions', index]);
    return { name, field, bucket: { grain, timeZone } };
  });

  const measures = query.measures.map((measure, index): ResolvedMeasure => {
    const field = measure.field === undefined ? null : fieldAt(measure.field, ['measures', index, 'field']);
    if (field === null && measure.aggregate !== 'count') {
      fail(['measures', index, 'field'], `${measure.aggregate} needs a field.`);
    }
    if (field && numericAggregates.has(measure.aggregate) && field.type !== 'integer') {
      fail(
        ['measures', index, 'field'],
        `${measure.aggregate} takes an integer field; '${field.name}' is ${field.type}.`,
      );
    }
    const name = field ? `${measure.aggregate}_${field.name}` : 'count';
    claimColumn({ name, kind: 'measure', cell: 'number' }, ['measures', index]);
    return { name, aggregate: measure.aggregate, field };
  });

  if (columns.length === 0) fail(['measures'], 'a query needs at least one dimension or measure.');

  const filters = query.filters.map((filter, index) =>
    resolveFilter(filter, fieldAt(filter.field, ['filters', index, 'field']), (segments, detail) =>
      fail(['filters', index, ...segments], detail),
    ),
  );

  const ordered = new Set<string>();
  const orderBy = query.order_by.map((order, index): ResolvedOrder => {
    if (!columns.some((column) => column.name === order.field)) {
      fail(
        ['order_by', index, 'field'],
        `must name a result column: ${columns.map((column) => column.name).join(', ')}.`,
      );
    }
    if (ordered.has(order.field))
      fail(['order_by', index, 'field'], `orders by '${order.field}' a second time.`);
    ordered.add(order.field);
    return { column: order.field, direction: order.direction };
  });

  return {
    dataset,
    timeField: fieldAt(dataset.timeField, ['dataset']),
    from,
    to,
    dimensions,
    measures,
    filters: filters.map((filter) => filter.resolved),
    orderBy,
    limit: query.limit,
    columns,
    normalized: {
      dataset: dataset.name,
      time_range: normalizedRange,
      dimensions: dimensions.map((dimension) =>
        dimension.bucket
          ? {
              field: dimension.field.name,
              grain: dimension.bucket.grain,
              time_zone: dimension.bucket.timeZone,
            }
          : { field: dimension.field.name },
      ),
      measures: measures.map((measure) =>
        measure.field
          ? { aggregate: measure.aggregate, field: measure.field.name }
          : { aggregate: measure.aggregate },
      ),
      filters: filters.map((filter) => filter.normalized),
      order_by: orderBy.map((order) => ({ field: order.column, direction: order.direction })),
      limit: query.limit,
    },
  };
}

type FilterFail = (segments: PathSegment[], detail: string) => never;

function resolveFilter(
  filter: SavedQueryFilter,
  field: DatasetField,
  fail: FilterFail,
): { resolved: ResolvedFilter; normalized: SavedQueryFilter } {
  const { op } = filter;
  if (textOnlyOperators.has(op) && field.type !== 'text')
    fail(['op'], `${op} applies only to text fields; '${field.name}' is ${field.type}.`);
  if (nullOperators.has(op)) {
    if (filter.value !== undefined && filter.value !== null) fail(['value'], `${op} takes no value.`);
    return { resolved: { field, op, values: [] }, normalized: { field: field.name, op } };
  }
  const value: SavedQueryFilterValue | undefined = filter.value;
  if (listOperators.has(op)) {
    if (!Array.isArray(value) || value.length === 0)
      return fail(['value'], `${op} takes a non-empty array of values.`);
    const items = value.map((item, index) =>
      scalarText(field, item, (detail) => fail(['value', index], detail)),
    );
    return {
      resolved: { field, op, values: items.map((item) => item.text) },
      normalized: { field: field.name, op, value: items.map((item) => item.normalized) },
    };
  }
  if (value === undefined || value === null || Array.isArray(value))
    return fail(['value'], `${op} takes a single value.`);
  const item = scalarText(field, value, (detail) => fail(['value'], detail));
  return {
    resolved: { field, op, values: [item.text] },
    normalized: { field: field.name, op, value: item.normalized },
  };
}

/** A filter value checked against its field's type, as bound text and as stored. */
function scalarText(
  field: DatasetField,
  value: string | number,
  fail: (detail: string) => never,
): { text: string; normalized: string | number } {
  switch (field.type) {
    case 'text':
      if (typeof value !== 'string') return fail(`'${field.name}' is text; the value must be a string.`);
      return { text: value, normalized: value };
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        return fail(`'${field.name}' holds integers (minor units); the value must be a whole number.`);
      }
      return { text: String(value), normalized: value };
    case 'timestamp': {
      const instant = typeof value === 'string' ? parseRfc3339(value) : null;
      if (!instant) return fail(`'${field.name}' is a timestamp; the value must be RFC 3339 with an offset.`);
      return { text: instant.toISOString(), normalized: instant.toISOString() };
    }
  }
}
