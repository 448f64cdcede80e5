// An IANA name starts with a letter. This keeps out offsets such as `+05:30`, which Intl accepts
// but Postgres would read as a POSIX zone with the sign inverted.
const ianaName = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * The canonical IANA name of a time zone (`US/Eastern` → `America/New_York`), or null when it
 * is not one. Reports hand Postgres the canonical name, so the zone the API accepted is the
 * zone the query applies; every canonical name Intl gives is one Postgres knows (a test checks).
 */
export function resolveTimeZone(raw: string): string | null {
  if (!ianaName.test(raw)) return null;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  return ianaName.test(canonical) ? canonical : null;
}
