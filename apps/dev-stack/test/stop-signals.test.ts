import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture, waitFor } from '@reportrun/testing';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
/** The stack closes each part within 10 s or exits anyway; this leaves room for a busy machine. */
const stopBoundMs = 20_000;
/** Starting means pnpm, tsx, migrations and a seed: slow when the suite keeps both cores busy. */
const startBoundMs = 150_000;

let stateDirectory: string;

const fixture = useTestFixture();

beforeAll(async () => {
  stateDirectory = await mkdtemp(join(tmpdir(), 'reportrun-dev-'));
});

afterAll(async () => {
  if (stateDirectory) await rm(stateDirectory, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every process below `pid`, read from /proc (the stack runs as pnpm → pnpm → tsx → node). */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses; the fields after its last ')' do not.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended while being read.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const [child, parent] of parents) {
      if (parent === current) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface RunningStack {
  child: ChildProcess;
  apiPort: number;
  s3Port: number;
  exited: Promise<void>;
  output: () => string;
}

/** `pnpm dev` as a user runs it, on free ports and this file's database, until it says it is up. */
async function startStack(): Promise<RunningStack> {
  const apiPort = await freePort();
  const s3Port = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...fixture.environment.env,
    PORT: String(apiPort),
    LOCAL_S3_PORT: String(s3Port),
    REPORTRUN_STATE_DIR: stateDirectory,
    SEED_ROWS: '100',
  };
  // The stack starts its own loopback S3 server only when none is configured.
  delete env.S3_ENDPOINT;
  delete env.S3_ACCESS_KEY_ID;
  delete env.S3_SECRET_ACCESS_KEY;
  const child = spawn('pnpm', ['dev'], { cwd: repositoryRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor(
    async () => ({ up: output.includes('ReportRun is running.'), exited: child.exitCode !== null }),
    (state) => state.up || state.exited,
    { timeoutMs: startBoundMs, intervalMs: 200 },
  );
  expect(output, output).toContain('ReportRun is running.');
  expect(await portAcceptsConnections(apiPort)).toBe(true);
  expect(await portAcceptsConnections(s3Port)).toBe(true);
  return { child, apiPort, s3Port, exited, output: () => output };
}

describe('pnpm dev', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(
      `stops the whole stack and frees its ports when its top process gets ${signal}`,
      { timeout: startBoundMs + stopBoundMs + 10_000 },
      async () => {
        const stack = await startStack();
        const processes = await descendants(stack.child.pid!);
        expect(processes.length).toBeGreaterThan(0);
        try {
          stack.child.kill(signal);
          await waitFor(
            async () => ({
              topExited: stack.child.exitCode !== null || stack.child.signalCode !== null,
              left: processes.filter(alive),
            }),
            (state) => state.topExited && state.left.length === 0,
            { timeoutMs: stopBoundMs, intervalMs: 200 },
          );
          await stack.exited;
          expect(await portAcceptsConnections(stack.apiPort)).toBe(false);
          expect(await portAcceptsConnections(stack.s3Port)).toBe(false);
        } finally {
          // Whatever the outcome, nothing this test started may outlive it.
          for (const pid of [stack.child.pid!, ...processes]) {
            if (alive(pid)) process.kill(pid, 'SIGKILL');
          }
        }
      },
    );
  }
});
