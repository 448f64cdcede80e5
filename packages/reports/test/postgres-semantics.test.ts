import { describe, expect, it } from 'vitest';
import { createDatabase } from '@reportrun/db';
import { formulaTriggerCharacters, neutraliseFormulaSql, resolveTimeZone } from '@reportrun/reports';
import { useTestFixture } from '@reportrun/testing';

const fixture = useTestFixture({ database: { createDatabase } });

describe('what the compiler relies on in Postgres', () => {
  it('knows every time zone the validator can resolve to', async () => {
    const inputs = [...Intl.supportedValuesOf('timeZone'), 'Etc/UTC', 'UTC', 'US/Eastern', 'Asia/Calcutta', 'EST5EDT', 'CET'];
    const canonical = [...new Set(inputs.map((zone) => resolveTimeZone(zone)))];
    expect(canonical).not.toContain(null);
    const { rows } = await fixture.db.pool.query<{ name: string }>(
      'SELECT z AS name FROM unnest($1::text[]) AS z WHERE lower(z) NOT IN (SELECT lower(name) FROM pg_timezone_names)',
      [canonical],
    );
    expect(rows).toEqual([]);
  });

  it('prefixes a quote to text starting with a formula trigger, and leaves everything else alone', async () => {
    const cells = [
      ...formulaTriggerCharacters.map((trigger) => `${trigger}1+1`),
      'plain', ' =1', "'=already", '1-2', '', null,
    ];
    const { rows } = await fixture.db.pool.query<{ cell: string | null; guarded: string | null }>(
      `SELECT cell, ${neutraliseFormulaSql('cell')} AS guarded FROM unnest($1::text[]) WITH ORDINALITY AS c(cell, n) ORDER BY n`,
      [cells],
    );
    expect(rows.map((row) => row.guarded)).toEqual([
      "'=1+1", "'+1+1", "'-1+1", "'@1+1", "'\t1+1", "'\r1+1",
      'plain', ' =1', "'=already", '1-2', '', null,
    ]);
  });
});
