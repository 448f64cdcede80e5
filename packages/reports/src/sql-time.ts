/**
 * SQL that renders instants as text. Reports format timestamps themselves so a file does not
 * depend on the reporting connection's TimeZone setting.
 */

/** `YYYY-MM-DD HH:MM:SS` in UTC, as Stripe's `*_utc` columns. */
export function utcTimestampSql(instant: string): string {
  return `to_char(${instant} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`;
}

/** `YYYY-MM-DD HH:MM:SS` wall-clock time in the zone `zone` (an SQL expression). */
export function localTimestampSql(instant: string, zone: string): string {
  return `to_char(${instant} AT TIME ZONE ${zone}, 'YYYY-MM-DD HH24:MI:SS')`;
}

/**
 * RFC 3339 with the zone's offset at that instant, e.g. `2025-03-09T00:00:00-05:00`: the
 * offset is the difference between local and UTC wall-clock time, so it is right on either
 * side of a DST change.
 */
export function rfc3339LocalSql(instant: string, zone: string): string {
  const offset = `((${instant} AT TIME ZONE ${zone}) - (${instant} AT TIME ZONE 'UTC'))`;
  return (
    `to_char(${instant} AT TIME ZONE ${zone}, 'YYYY-MM-DD"T"HH24:MI:SS')` +
    ` || CASE WHEN ${offset} < interval '0' THEN '-' ELSE '+' END` +
    ` || to_char(greatest(${offset}, -${offset}), 'HH24:MI')`
  );
}

/** A calendar date as `YYYY-MM-DD`. */
export function dateSql(date: string): string {
  return `to_char(${date}, 'YYYY-MM-DD')`;
}
