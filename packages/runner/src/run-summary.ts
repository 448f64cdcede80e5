import type pg from 'pg';
import type { CompiledReport } from '@reportrun/reports';

/** Per currency, each measure's total as a decimal string (exact: summed as numeric). */
export interface MeasureTotals {
  measures: string[];
  byCurrency: { currency: string; sums: (string | null)[] }[];
}

/** Beyond this many currencies a summary names the largest count only; it stays short. */
const maxCurrencies = 6;

/**
 * Reads the report's measure totals per currency with one aggregate query, on the export's
 * connection inside its read-only snapshot, so the totals describe exactly the rows in the file.
 * A report without a currency column and measures has none. A failure here must not fail a run
 * whose file is already stored: it leaves the summary without totals.
 */
export async function readTotals(client: pg.PoolClient, compiled: CompiledReport): Promise<MeasureTotals | null> {
  const query = compiled.totals;
  if (!query) return null;
  await client.query('SAVEPOINT totals');
  try {
    const { rows } = await client.query<Record<string, string | null>>(query.sql);
    await client.query('RELEASE SAVEPOINT totals');
    return {
      measures: query.measures,
      byCurrency: rows.map((row) => ({ currency: row.currency ?? '', sums: query.measures.map((name) => row[name] ?? null) })),
    };
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT totals');
    return null;
  }
}

/**
 * The short text a succeeded run shows (heyhumm's `summary`): rows, size, and each measure's
 * totals per currency, e.g. `1,204 rows, 88 KB; gross: EUR 9.10, USD 12,345.00`.
 */
export function summarizeResult(file: { rows: number; size: number; totals?: MeasureTotals | null }): string {
  const parts = [`${file.rows.toLocaleString('en-US')} ${file.rows === 1 ? 'row' : 'rows'}, ${formatBytes(file.size)}`];
  const totals = file.totals;
  if (totals && totals.byCurrency.length > 0) {
    const shown = totals.byCurrency.slice(0, maxCurrencies);
    const more = totals.byCurrency.length - shown.length;
    for (const [index, measure] of totals.measures.entries()) {
      const amounts = shown.map(({ currency, sums }) => `${currency.toUpperCase()} ${groupThousands(sums[index] ?? '0')}`);
      parts.push(`${measure}: ${amounts.join(', ')}${more > 0 ? ` and ${more} more currencies` : ''}`);
    }
  }
  return parts.join('; ');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `-12345.5` → `-12,345.5`: a decimal string grouped exactly, without going through a float. */
function groupThousands(decimal: string): string {
  const match = /^(-?)(\d+)(\.\d+)?$/.exec(decimal);
  if (!match) return decimal;
  return `${match[1]}${match[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${match[3] ?? ''}`;
}
