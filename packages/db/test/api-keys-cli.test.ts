import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDatabase, findApiKeyBySecret } from '@reportrun/db';
import { runSourceCommand, useTestFixture, type CommandResult } from '@reportrun/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

const fixture = useTestFixture({ database: { createDatabase } });

/** Runs the keys CLI as its own process against this file's database. */
function keys(...args: string[]): Promise<CommandResult> {
  return runSourceCommand('src/bin/api-keys.ts', args, { cwd: packageDir, env: fixture.environment.env });
}

const secretPattern = /rr_(test|live)_[0-9A-Za-z]{32}/g;

describe('pnpm keys', () => {
  let teamId: string;
  let testKeyId: string;
  let testSecret: string;
  let liveKeyId: string;
  let liveSecret: string;

  it('creates a team and a test-mode key, printing the secret once; the secret works and is not stored', async () => {
    const result = await keys('create', '--team', 'new', '--name', 'CI key', '--team-name', 'Acme');
    expect(result.code, result.stderr).toBe(0);
    teamId = result.stdout.match(/Created team (team_[0-9a-z]{26}) \(Acme\)/)![1]!;
    testKeyId = result.stdout.match(/test-mode key (key_[0-9a-z]{26}) \(CI key\)/)![1]!;
    const secrets = result.stdout.match(secretPattern)!;
    expect(secrets).toHaveLength(1);
    testSecret = secrets[0]!;
    expect(testSecret).toMatch(/^rr_test_/);

    expect(await findApiKeyBySecret(fixture.db.prisma, testSecret)).toEqual({
      keyId: testKeyId,
      teamId,
      livemode: false,
    });
    const stored = await fixture.db.pool.query('SELECT * FROM api_keys WHERE id = $1', [testKeyId]);
    expect(JSON.stringify(stored.rows)).not.toContain(testSecret);
  });

  it('adds a live-mode key to an existing team', async () => {
    const result = await keys('create', '--team', teamId, '--name', 'Production', '--live');
    expect(result.code, result.stderr).toBe(0);
    liveKeyId = result.stdout.match(/live-mode key (key_[0-9a-z]{26})/)![1]!;
    liveSecret = result.stdout.match(secretPattern)![0]!;
    expect(liveSecret).toMatch(/^rr_live_/);
    expect(await findApiKeyBySecret(fixture.db.prisma, liveSecret)).toEqual({
      keyId: liveKeyId,
      teamId,
      livemode: true,
    });
  });

  it("lists a team's keys without ever printing a secret", async () => {
    const result = await keys('list', '--team', teamId);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.find((line) => line.startsWith(testKeyId))).toMatch(
      /\btest\s+CI key\s+rr_test_\S+…\S+\s.*\bactive$/,
    );
    expect(lines.find((line) => line.startsWith(liveKeyId))).toMatch(/\blive\s+Production\b.*\bactive$/);
    expect(result.stdout).not.toContain(testSecret);
    expect(result.stdout).not.toContain(liveSecret);
    expect(result.stdout.match(secretPattern)).toBeNull();
  });

  it('revokes a key so it stops authenticating, and says so when asked twice', async () => {
    const result = await keys('revoke', liveKeyId);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Revoked key ${liveKeyId}`);
    expect(await findApiKeyBySecret(fixture.db.prisma, liveSecret)).toBeNull();
    expect(await findApiKeyBySecret(fixture.db.prisma, testSecret)).not.toBeNull();

    const again = await keys('revoke', liveKeyId);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already revoked');
    const listed = await keys('list', '--team', teamId);
    expect(listed.stdout.split('\n').find((line) => line.startsWith(liveKeyId))).toMatch(
      /revoked \d{4}-\d\d-\d\dT/,
    );
  });

  // Independent processes that change nothing: run side by side to keep the file fast.
  it.concurrent.each([
    [['revoke', 'key_doesnotexist'], 66, /no key 'key_doesnotexist'/],
    [['create', '--team', 'team_nope', '--name', 'x'], 66, /no team 'team_nope'/],
    [['create', '--team', 'new'], 64, /--name is required/],
    [['rotate', 'key_x'], 64, /Unknown command/],
    [['create', '--team', 'new', '--name', 'x', '--colour', 'red'], 64, /Unknown option '--colour'/],
    [[], 64, /Usage:/],
  ])('%j fails with exit code %i and says why', async (args, code, message) => {
    const result = await keys(...args);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('is what `pnpm keys` runs from the repository root', async () => {
    const root = JSON.parse(await readFile(`${repositoryRoot}/package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    const db = JSON.parse(await readFile(`${packageDir}/package.json`, 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(root.scripts.keys).toMatch(/--filter @reportrun\/db keys$/);
    expect(db.scripts.keys).toBe('tsx --conditions=source src/bin/api-keys.ts');
  });
});
