import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countLedgerRows, createDatabase } from '@reportrun/db';
import { runCommand, useTestFixture, type CommandResult } from '@reportrun/testing';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

const fixture = useTestFixture({ database: { createDatabase } });

/** Runs a command from the repository root, the way the README tells a user to, on this file's database. */
function run(command: string, args: string[]): Promise<CommandResult> {
  return runCommand(command, args, { cwd: repositoryRoot, env: fixture.environment.env });
}

describe('pnpm db:seed', () => {
  it('takes --rows straight after the script name', async () => {
    const result = await run('pnpm', ['--silent', 'db:seed', '--rows', '25']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Seeded 25 ledger rows');
    expect(await countLedgerRows(fixture.db.pool)).toBe(25);
  });

  it('takes --rows after a separating --', async () => {
    const result = await run('pnpm', ['--silent', 'db:seed', '--', '--rows', '31']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Seeded 31 ledger rows');
    expect(await countLedgerRows(fixture.db.pool)).toBe(31);
  });

  it('refuses an unknown option with a usage message and exit code 64, seeding nothing', async () => {
    const result = await run('pnpm', ['--silent', 'db:seed', '--rowz', '5']);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('Usage: pnpm db:seed');
    expect(await countLedgerRows(fixture.db.pool)).toBe(31);
  });
});
