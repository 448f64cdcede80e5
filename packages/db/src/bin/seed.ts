// `pnpm db:seed [--rows N]`: demo team, a test key printed once, and a deterministic ledger.
import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '@reportrun/config';
import { createDatabase } from '../client.ts';
import { seedDemo } from '../seed.ts';

// pnpm hands a literal `--` through, once for `pnpm db:seed --rows N` (the root script ends in
// `--`) and twice for `pnpm db:seed -- --rows N`; parseArgs would read what follows as positionals.
let values: { rows: string };
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((argument) => argument !== '--'),
    options: { rows: { type: 'string', default: '100000' } },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\nUsage: pnpm db:seed [--rows N]\n`);
  process.exit(64);
}
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
