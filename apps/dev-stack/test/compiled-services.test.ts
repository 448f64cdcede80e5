import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { seedLedger } from '@reportrun/db';
import { apiClient, useTestFixture, waitFor } from '@reportrun/testing';

// Production runs `node dist/main.js` in each service's folder. Turbo builds the services before
// this package's tests (see turbo.json here); run `pnpm build` first when calling vitest directly.
const appsDirectory = fileURLToPath(new URL('../..', import.meta.url));

interface CompiledService {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>;
  stop(): Promise<void>;
}

/**
 * Starts a service's compiled entry point with plain `node`. Type stripping is switched off, so
 * if anything on the way (the entry point, a workspace package's export) still resolved to a
 * `.ts` file, the process would fail to load instead of quietly running TypeScript.
 */
function startCompiled(app: 'api' | 'worker', env: Record<string, string>): CompiledService {
  const cwd = join(appsDirectory, app);
  if (!existsSync(join(cwd, 'dist/main.js'))) throw new Error(`${cwd}/dist/main.js is missing: run pnpm build`);
  const inherited = { ...process.env };
  delete inherited.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--no-experimental-strip-types', 'dist/main.js'], {
    cwd,
    env: { ...inherited, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  return {
    child,
    output: () => output,
    async waitForOutput(pattern) {
      const state = await waitFor(
        async () => ({ match: output.match(pattern), exited: child.exitCode !== null }),
        (current) => current.match !== null || current.exited,
        { timeoutMs: 90_000, intervalMs: 100 },
      );
      if (!state.match) throw new Error(`${app} exited (${child.exitCode}) before printing ${pattern}:\n${output}`);
      return state.match;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const fixture = useTestFixture({ database, team: 'Compiled build team', seed: (db) => seedLedger(db.pool, 2_000) });
const services: CompiledService[] = [];

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
});

describe('the compiled build', () => {
  it('runs the API and a worker with plain node, and together they finish a report run', async () => {
    const api = startCompiled('api', { ...fixture.environment.env, PORT: '0' });
    const worker = startCompiled('worker', fixture.environment.env);
    services.push(api, worker);
    const apiUrl = (await api.waitForOutput(/REPORTRUN_API_URL=(\S+)/))[1]!;
    await worker.waitForOutput(/worker ready/);

    const client = apiClient(apiUrl, fixture.apiKey);
    const created = await client.createRun();
    const run = await client.waitUntilEnded(created.id);
    expect(run.status, `${JSON.stringify(run.status_details)}\n${worker.output()}`).toBe('succeeded');
    const download = await fetch(run.result!.file!.download_url.url);
    expect(download.status).toBe(200);
    const csv = await download.text();
    expect(Buffer.byteLength(csv)).toBe(run.result!.file!.size);
    expect(run.result!.file!.rows).toBeGreaterThan(0);
  });
});
