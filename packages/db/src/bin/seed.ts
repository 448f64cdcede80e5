// `pnpm db:seed [--rows N]`: demo team, a test key printed once, and a deterministic ledger.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@reportrun/config';
import { createDatabase } from '../client.ts';
import { seedDemo } from '../seed.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 0 || rows > 100_000_000) {
  process.stderr.write(`--rows must be a whole number from 0 to 100000000, not '${values.rows}'\n`);
  process.exit(64);
}
const config = loadConfigOrExit();
const db = createDatabase(config.DATABASE_URL);
try {
  const result = await seedDemo(db.prisma, db.pool, { rows });
  process.stdout.write(`Seeded ${result.ledgerRows} ledger rows for team ${result.teamId}.\n`);
  if (result.apiKey) {
    process.stdout.write(`Test-mode API key (shown once, store it now): ${result.apiKey.secret}\n`);
  } else {
    process.stdout.write('The demo team already existed; its keys are unchanged.\n');
  }
} finally {
  await db.close();
}
