import { dateSql, rfc3339LocalSql } from '../sql-time.ts';
import type { CatalogReport } from '../types.ts';
import { activityTotalColumns } from './activity-totals.ts';
import { columns, currency, intervalEnd, intervalStart, reportingCategory, timezone } from './common-parameters.ts';
import { ledgerFilters, ledgerScopingFields } from './ledger-filters.ts';
import { requiredTextValue, timestampValue } from './parameter-values.ts';

export const activityDaily: CatalogReport = {
  id: 'activity.daily.1',
  name: 'Activity, daily',
  description:
    'A time series of balance activity: one row per local calendar day of the interval (in ' +
    '`timezone`) and currency, with count and gross, fee and net totals in major units. Days ' +
    'run from local midnight to local midnight, so a day with a DST change lasts 23 or 25 hours; ' +
    'the first and last buckets are cut to the interval. Every day appears for every currency ' +
    'with activity in the interval, with zeros when nothing happened.',
  defaultTimeoutSeconds: 600,
  scopingFields: ledgerScopingFields,
  parameters: [intervalStart, intervalEnd, timezone, currency, reportingCategory, columns],
  columns: [
    { name: 'date', kind: 'dimension', type: 'date', description: 'Local calendar date of the bucket.', expression: dateSql('d.day') },
    { name: 'bucket_start', kind: 'dimension', type: 'timestamp', description: 'Start of the bucket (inclusive), RFC 3339 with the local offset.', expression: rfc3339LocalSql('d.bucket_start', 'd.tz') },
    { name: 'bucket_end', kind: 'dimension', type: 'timestamp', description: 'End of the bucket (exclusive), RFC 3339 with the local offset.', expression: rfc3339LocalSql('d.bucket_end', 'd.tz') },
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 'd.currency' },
    ...activityTotalColumns('d'),
  ],
  source(bind, values, scope) {
    const start = bind(timestampValue(values, 'interval_start').toISOString(), 'timestamptz');
    const end = bind(timestampValue(values, 'interval_end').toISOString(), 'timestamptz');
    const zone = bind(requiredTextValue(values, 'timezone'), 'text');
    // Days are generated as local calendar dates (timestamp without time zone, so adding a day
    // is calendar arithmetic) and only then turned into instants with AT TIME ZONE: a bucket is
    // exactly local midnight to local midnight, whatever DST does in between. Rows fall in the
    // bucket of their local date, the same rule from the other side.
    const from = `(
  WITH bounds AS (
    SELECT ${start} AS s, ${end} AS e, ${zone} AS tz
  ),
  buckets AS (
    SELECT g::date AS day,
           greatest(g AT TIME ZONE b.tz, b.s) AS bucket_start,
           least((g + interval '1 day') AT TIME ZONE b.tz, b.e) AS bucket_end,
           b.tz
    FROM bounds AS b,
         generate_series((b.s AT TIME ZONE b.tz)::date::timestamp,
                         ((b.e - interval '1 microsecond') AT TIME ZONE b.tz)::date::timestamp,
                         interval '1 day') AS g
  ),
  activity AS (
    SELECT (bt.created AT TIME ZONE b.tz)::date AS day, bt.currency, count(*) AS count,
           sum(bt.amount) AS gross, sum(bt.fee) AS fee, sum(bt.net) AS net
    FROM dataset.balance_transactions AS bt CROSS JOIN bounds AS b
    WHERE ${ledgerFilters(bind, values, 'bt', scope).join(' AND ')}
    GROUP BY 1, 2
  ),
  currencies AS (SELECT DISTINCT currency FROM activity)
  SELECT k.day, k.bucket_start, k.bucket_end, k.tz, c.currency,
         coalesce(a.count, 0) AS count, coalesce(a.gross, 0) AS gross,
         coalesce(a.fee, 0) AS fee, coalesce(a.net, 0) AS net
  FROM buckets AS k
  CROSS JOIN currencies AS c
  LEFT JOIN activity AS a ON a.day = k.day AND a.currency = c.currency
) AS d`;
    return { from, where: [], orderBy: 'd.day, d.currency' };
  },
};
