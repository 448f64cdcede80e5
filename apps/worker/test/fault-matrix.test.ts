import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import * as database from '@reportrun/db';
import type { ReportRun } from '@reportrun/db';
import { createStorageFromConfig, listObjectKeys, runResultPrefix } from '@reportrun/storage';
import {
  deleteRedisKeys,
  lockLedger,
  pendingMultipartUploads,
  spawnApp,
  useTestFixture,
  waitFor,
  type ServiceProcess,
} from '@reportrun/testing';
import { startStorageLine, type StorageLine } from './storage-outage.ts';

/**
 * The fault matrix: every export format against every way an export gets interrupted. Each
 * row injects its fault once into three runs (one per format) that are provably mid-export —
 * their COPY is executing in Postgres, held there by a lock on the ledger — and each cell
 * then checks the promises that must hold whatever happened: no worker process died except
 * one killed on purpose, the run ended in the state the fault calls for, nothing is left in
 * the bucket that no run points to, and no run is left `running`.
 */

const seededRows = 20_000;
const fullYear = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };

// Short locks, leases and checks so recovery takes seconds instead of production's minutes.
const fastRecovery: Record<string, string> = {
  LOG_LEVEL: 'info',
  WORKER_CONCURRENCY: '3',
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_STATUS_CHECK_MS: '500',
  WORKER_LEASE_SECONDS: '3',
};

interface Format {
  label: string;
  resultOptions: Record<string, unknown>;
}

const formats: Format[] = [
  { label: 'a CSV export', resultOptions: { format: 'csv' } },
  { label: 'a JSON Lines export', resultOptions: { format: 'json' } },
  { label: 'a ZIP export', resultOptions: { format: 'csv', compress_file: true } },
];

let storageLine: StorageLine;
let scheduler: ServiceProcess;
/** Every worker process this file started; the ones signalled on purpose are also listed apart. */
const workers: ServiceProcess[] = [];
const killedOnPurpose = new Set<ServiceProcess>();
const stoppedOnPurpose = new Set<ServiceProcess>();
/** Ledger locks a row holds; released by then, or at the end if the row failed midway. */
const heldLocks = new Set<{ release(): Promise<void> }>();
/** Workers whose death a row has already reported, so later rows do not report it again. */
const reported = new Set<ServiceProcess>();
const timings: { order: number; cell: string; outcome: string; attempts: number; ms: number }[] = [];

const fixture = useTestFixture({
  database,
  team: 'Fault matrix team',
  seed: async (db) => {
    await database.seedLedger(db.pool, seededRows);
  },
  api: true,
});
const { call } = fixture.client;

beforeAll(async () => {
  storageLine = await startStorageLine(fixture.environment.config.S3_ENDPOINT!);
  // The reconciler passes often, so a run whose job vanished is seen within a second: the
  // keys-flushed row proves it leaves a run with a live lease alone.
  scheduler = spawnApp('scheduler', {
    ...fixture.environment.env,
    ...fastRecovery,
    S3_ENDPOINT: storageLine.endpoint,
    LOG_LEVEL: 'debug',
    RECONCILE_INTERVAL_SECONDS: '0.5',
    RECONCILE_GRACE_SECONDS: '1',
    RETENTION_SWEEP_INTERVAL_SECONDS: '3600',
    ORPHAN_CLEANUP_INTERVAL_SECONDS: '1',
    ORPHAN_GRACE_SECONDS: '1',
  });
  await scheduler.waitForOutput(/scheduler ready/);
});

afterAll(async () => {
  const rows = timings.sort((a, b) => a.order - b.order).map((row) => `| ${row.cell.padEnd(44)} | ${row.outcome.padEnd(26)} | ${String(row.attempts).padStart(8)} | ${String(row.ms).padStart(16)} |`);
  console.log(
    [
      'Fault matrix: time from fault to terminal state',
      `| ${'cell'.padEnd(44)} | ${'outcome'.padEnd(26)} | attempts | fault→terminal ms |`,
      `|${'-'.repeat(46)}|${'-'.repeat(28)}|${'-'.repeat(10)}|${'-'.repeat(18)}|`,
      ...rows,
    ].join('\n'),
  );
  await Promise.all([...heldLocks].map((lock) => lock.release()));
  await Promise.all([scheduler?.stop(), ...workers.map((worker) => worker.stop('SIGKILL'))]);
  await storageLine?.close();
});

async function startFleetWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
  const worker = spawnApp('worker', { ...fixture.environment.env, ...fastRecovery, S3_ENDPOINT: storageLine.endpoint, ...env });
  workers.push(worker);
  // A loaded two-core machine can take a while to start a TypeScript process.
  await worker.waitForOutput(/worker ready/, 90_000);
  return worker;
}

/** Every log line any worker wrote about one run: what a failing cell shows to explain itself. */
function storyOf(runId: string): string {
  const lines = workers.flatMap((worker) =>
    worker
      .output()
      .split('\n')
      .filter((line) => line.includes(runId))
      .map((line) => `[worker ${worker.child.pid}] ${line.slice(0, 400)}`),
  );
  return lines.slice(-40).join('\n');
}

const alive = (worker: ServiceProcess) => worker.child.exitCode === null && worker.child.signalCode === null;

/**
 * One live worker that is not about to be signalled, replacing any an earlier row lost. It has
 * room for twice a row's runs, so a duplicate attempt could start beside a live one.
 */
async function ensureFleet(): Promise<void> {
  const live = workers.filter((worker) => alive(worker) && worker !== sigtermVictim && worker !== sigkillVictim);
  if (live.length === 0) await startFleetWorker({ WORKER_CONCURRENCY: String(2 * formats.length) });
}

async function createRun(format: Format, extra: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await call('POST', '/v2/reporting/report_runs', {
    report: 'balance_change_from_activity.itemized.1',
    report_parameters: fullYear,
    result_options: format.resultOptions,
    ...extra,
  });
  if (status !== 200) throw new Error(`creating a run answered ${status}: ${JSON.stringify(body)}`);
  return body.id as string;
}

const readRun = async (id: string): Promise<ReportRun> => (await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } }));
const terminalAt = (run: ReportRun) => run.succeededAt ?? run.failedAt ?? run.canceledAt;

async function runsRunningPastTheirLease(): Promise<string[]> {
  const { rows } = await fixture.db.pool.query<{ id: string }>(
    `SELECT id FROM report_runs WHERE status = 'running' AND lease_expires_at < now()`,
  );
  return rows.map((row) => row.id);
}

interface CopyBackend {
  pid: number;
  state: string;
  wait: string | null;
}

/** Backends of this file's database executing (or waiting to execute) a report's COPY. */
async function copyBackends(): Promise<CopyBackend[]> {
  const { rows } = await fixture.db.pool.query<CopyBackend>(
    `SELECT pid, state, wait_event AS wait FROM pg_stat_activity
      WHERE datname = current_database() AND query LIKE 'COPY (%' AND state = 'active'`,
  );
  return rows;
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const storage = createStorageFromConfig(fixture.environment.config);
  try {
    return await listObjectKeys(storage, prefix);
  } finally {
    storage.s3.destroy();
  }
}

/** Objects and open multipart uploads under a run's prefix that its result does not point to. */
async function leftoversOf(run: ReportRun): Promise<string[]> {
  const prefix = runResultPrefix(run.teamId, run.id);
  const [objects, uploads] = await Promise.all([objectsUnder(prefix), pendingMultipartUploads(fixture.environment.config, prefix)]);
  return [
    ...objects.filter((key) => key !== run.fileObjectKey).map((key) => `object ${key}`),
    ...uploads.map((key) => `multipart upload ${key}`),
  ];
}

/** What a row hands its cells: the runs, by format label, and when the fault struck. */
interface Injected {
  runs: Map<string, string>;
  faultAt: Map<string, number>;
}

interface Fault {
  /** "whose …" in the cell's name. */
  whose: string;
  /** What the cell promises, e.g. "succeeds on retry". */
  promise: string;
  /** Creates one run per format, proves each is mid-export, and strikes. */
  inject(): Promise<Injected>;
  /** The run's terminal state as this fault requires it. */
  check(run: ReportRun, expect: ExpectStatic): void;
  /** Runs on the shared fleet worker (replaced first if an earlier row lost it). */
  onFleet?: boolean;
  /** How the cell's name ends: what becomes of the workers. */
  workers?: string;
}

/** Creates the three runs under a held ledger lock and waits until all three COPYs execute. */
async function runsMidExport(extra: Record<string, unknown> = {}) {
  // Backends a killed worker left behind finish (or fail) once the ledger is free; a row
  // counts only its own.
  await waitFor(copyBackends, (pids) => pids.length === 0, { timeoutMs: 20_000 });
  const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
  heldLocks.add(lock);
  const runs = new Map<string, string>();
  for (const format of formats) runs.set(format.label, await createRun(format, extra));
  const backends = await waitFor(copyBackends, (found) => found.length === formats.length, { timeoutMs: 20_000 });
  return { runs, pids: backends.map((backend) => backend.pid), lock };
}

const sameFaultTime = (runs: Map<string, string>, at: number) => new Map([...runs.keys()].map((label) => [label, at]));

let exportsLeftRunning = 0;
let sigtermVictim: ServiceProcess | undefined;
let sigkillVictim: ServiceProcess | undefined;

// SIGTERM and SIGKILL come first: their runs must all be on the worker that is signalled, so
// while they run, that worker is the only one. The SIGTERM row's successor is the SIGKILL
// row's victim, and the SIGKILL row's successor serves every later row.
const faults: Fault[] = [
  {
    whose: 'worker gets SIGTERM with a short grace',
    promise: 'succeeds on another worker without spending an attempt',
    async inject() {
      sigtermVictim = await startFleetWorker({ WORKER_SHUTDOWN_GRACE_MS: '1000' });
      const { runs, lock } = await runsMidExport();
      // The successor is up before the fault, so the timing measures recovery, not a cold start;
      // it cannot take the runs earlier, as they are active on the victim.
      sigkillVictim = await startFleetWorker();
      const at = Date.now();
      stoppedOnPurpose.add(sigtermVictim);
      await sigtermVictim.stop('SIGTERM');
      await lock.release();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(sigtermVictim!.child.exitCode, 'a drained worker exits cleanly').toBe(0);
      expect(run.status, JSON.stringify(run.statusDetails)).toBe('succeeded');
      expect(run.attempts, 'the drained attempt is not spent').toBe(1);
      expect(run.crashCount, 'a drained attempt is not a crash').toBe(0);
      expect(Number(run.fileRows)).toBe(seededRows);
    },
  },
  {
    whose: 'worker is killed with SIGKILL',
    promise: 'succeeds on another worker after the lease expires',
    workers: 'and no other worker dies',
    async inject() {
      const { runs, lock } = await runsMidExport();
      await ensureFleet();
      const at = Date.now();
      killedOnPurpose.add(sigkillVictim!);
      await sigkillVictim!.stop('SIGKILL');
      await lock.release();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(sigkillVictim!.child.signalCode).toBe('SIGKILL');
      expect(run.status, JSON.stringify(run.statusDetails)).toBe('succeeded');
      expect(run.attempts).toBe(2);
      // Counted when the next attempt took the run over a lease that had lapsed, not a live one.
      expect(run.crashCount, 'the killed attempt counts as a crash').toBe(1);
      expect(Number(run.fileRows)).toBe(seededRows);
    },
  },
  {
    whose: 'run is canceled',
    onFleet: true,
    promise: 'ends canceled',
    async inject() {
      const { runs, lock } = await runsMidExport();
      const at = Date.now();
      await Promise.all(
        [...runs.values()].map(async (id) => {
          const canceled = await call('POST', `/v2/reporting/report_runs/${id}/cancel`);
          if (canceled.status !== 200) throw new Error(`cancel answered ${canceled.status}: ${JSON.stringify(canceled.body)}`);
        }),
      );
      // The query must stop because of the cancel, not because the data became available, so
      // the ledger stays locked until the COPYs are gone (or clearly will not go).
      const stopped = await waitFor(copyBackends, (found) => found.length === 0, { timeoutMs: 10_000 }).catch(() => null);
      exportsLeftRunning = stopped === null ? (await copyBackends()).length : 0;
      await lock.release();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(exportsLeftRunning, 'COPYs still executing 10 s after the cancels').toBe(0);
      expect(run.status).toBe('canceled');
      expect(run.fileObjectKey).toBeNull();
    },
  },
  {
    whose: 'run exceeds its timeout',
    onFleet: true,
    promise: 'fails with code timeout',
    async inject() {
      const timeoutSeconds = 4;
      const { runs, lock } = await runsMidExport({ timeout_seconds: timeoutSeconds });
      // The fault is the run's own clock: it strikes timeout_seconds after the run started.
      // The data stays locked until every run has ended (or clearly will not by itself).
      await waitFor(
        () => Promise.all([...runs.values()].map(readRun)),
        (all) => all.every((run) => run.status !== 'running'),
        { timeoutMs: 15_000 },
      ).catch(() => {});
      await lock.release();
      const faultAt = new Map<string, number>();
      for (const [label, id] of runs) {
        const run = await readRun(id);
        faultAt.set(label, run.activeAt!.getTime() + timeoutSeconds * 1000);
      }
      return { runs, faultAt };
    },
    check(run, expect) {
      expect(run.status).toBe('failed');
      expect(run.statusDetails).toMatchObject({ code: 'timeout', retryable: false });
      expect(run.attempts).toBe(1);
    },
  },
  {
    whose: 'reporting connection is terminated',
    onFleet: true,
    promise: 'succeeds on retry',
    async inject() {
      const { runs, pids, lock } = await runsMidExport();
      const at = Date.now();
      await fixture.db.pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await lock.release();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(run.status, JSON.stringify(run.statusDetails)).toBe('succeeded');
      expect(run.attempts).toBe(2);
      expect(Number(run.fileRows)).toBe(seededRows);
    },
  },
  {
    whose: 'storage goes down and comes back',
    onFleet: true,
    promise: 'succeeds on retry',
    async inject() {
      const { runs, lock } = await runsMidExport();
      const at = Date.now();
      await storageLine.cut();
      // The data now flows into a storage server that is gone; it stays gone until every
      // run's first attempt has failed on it (no run can succeed while it is gone, so this
      // waits as long as a busy machine needs rather than giving up and restoring early).
      await lock.release();
      await waitFor(
        () => Promise.all([...runs.values()].map(readRun)),
        (all) => all.every((run) => run.attempts >= 2 || run.status !== 'running' || (run.statusDetails as { stage?: string }).stage === 'queued'),
        { timeoutMs: 90_000 },
      );
      await storageLine.restore();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(run.status, JSON.stringify(run.statusDetails)).toBe('succeeded');
      expect(run.attempts).toBeGreaterThanOrEqual(2);
      expect(Number(run.fileRows)).toBe(seededRows);
    },
  },
  {
    whose: "queue's Redis keys are flushed",
    onFleet: true,
    promise: 'succeeds with exactly one attempt',
    async inject() {
      const { runs, lock } = await runsMidExport();
      // Past the reconciler's grace, so it considers these runs on its very next pass.
      await waitFor(
        () => Promise.all([...runs.values()].map(readRun)),
        (all) => all.every((run) => Date.now() - run.createdAt.getTime() > 1500),
      );
      const at = Date.now();
      await deleteRedisKeys(fixture.environment.env, fixture.environment.env.QUEUE_PREFIX!);
      // At least two full reconciler passes (three pass lines after the flush) see the runs with
      // their jobs gone while the first attempt is still exporting; only then may it go on.
      const passes = () => scheduler.output().split('"reconcile pass"').length - 1;
      const before = passes();
      await waitFor(async () => passes(), (count) => count >= before + 3, { timeoutMs: 10_000 });
      await lock.release();
      return { runs, faultAt: sameFaultTime(runs, at) };
    },
    check(run, expect) {
      expect(run.status, JSON.stringify(run.statusDetails)).toBe('succeeded');
      expect(run.attempts, 'no second attempt starts beside a live one').toBe(1);
      expect(run.crashCount).toBe(0);
      expect(Number(run.fileRows)).toBe(seededRows);
    },
  },
];

describe.each(faults)('$whose', (fault) => {
  let injected: Injected;

  beforeAll(async () => {
    if (fault.onFleet) await ensureFleet();
    injected = await fault.inject();
  });

  afterAll(async () => {
    // A cell that failed may leave its run going; stop it so it cannot leak into the next row.
    const leftovers = await fixture.db.prisma.reportRun.findMany({ where: { status: 'running' }, select: { id: true } });
    await Promise.all(leftovers.map(({ id }) => call('POST', `/v2/reporting/report_runs/${id}/cancel`)));
    await Promise.all([...heldLocks].map((lock) => lock.release()));
    heldLocks.clear();
    for (const worker of workers) {
      if (!alive(worker)) reported.add(worker);
    }
  });

  it.concurrent.for(formats)(`$label whose ${fault.whose} ${fault.promise} ${fault.workers ?? 'and the worker lives'}`, async (format, { expect }) => {
    const id = injected.runs.get(format.label)!;
    const run = await waitFor(() => readRun(id), (current) => current.status !== 'running', { timeoutMs: 45_000 });
    const ms = terminalAt(run)!.getTime() - injected.faultAt.get(format.label)!;
    timings.push({
      order: faults.indexOf(fault) * formats.length + formats.indexOf(format),
      cell: `${format.label.replace(/^a /, '')} × ${fault.whose}`,
      outcome: run.status === 'failed' ? `failed (${(run.statusDetails as { code?: string }).code})` : run.status,
      attempts: run.attempts,
      ms,
    });
    try {
      fault.check(run, expect);
    } catch (error) {
      (error as Error).message += `\nwhat the workers logged about ${id}:\n${storyOf(id)}`;
      throw error;
    }

    for (const worker of workers) {
      if (killedOnPurpose.has(worker) || reported.has(worker)) continue;
      if (stoppedOnPurpose.has(worker)) {
        expect(worker.child.exitCode, `a stopped worker exits cleanly:\n${worker.output().slice(-3000)}`).toBe(0);
        continue;
      }
      expect(
        { exitCode: worker.child.exitCode, signal: worker.child.signalCode },
        `a worker died:\n${worker.output().slice(-3000)}`,
      ).toEqual({ exitCode: null, signal: null });
    }
    // A run whose worker is gone does not stay `running` once its lease has lapsed: it is
    // taken over or ended.
    const lapsed = await waitFor(runsRunningPastTheirLease, (ids) => ids.length === 0, { timeoutMs: 20_000 }).catch(
      runsRunningPastTheirLease,
    );
    expect(lapsed, 'runs still running past their lease').toEqual([]);
    expect(scheduler.child.exitCode, `the scheduler died:\n${scheduler.output().slice(-3000)}`).toBeNull();

    // Whatever an interrupted attempt left (a partial object, an open multipart upload) is
    // cleaned up, and the run's own result, if any, is still there.
    const leftovers = await waitFor(() => leftoversOf(run), (found) => found.length === 0, { timeoutMs: 20_000 }).catch(
      async () => leftoversOf(run),
    );
    expect(leftovers).toEqual([]);
    if (run.fileObjectKey) expect(await objectsUnder(runResultPrefix(run.teamId, run.id))).toContain(run.fileObjectKey);
  });
});
