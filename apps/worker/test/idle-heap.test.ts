import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectHeapWhenIdle } from '../src/idle-heap.ts';
import { ActiveRuns } from '../src/run-abort.ts';

describe('the heap of an idle worker', () => {
  it('is collected after startup and after the last run ends, never while a run is going', async () => {
    const activeRuns = new ActiveRuns();
    let collections = 0;
    collectHeapWhenIdle(activeRuns, { quietMs: 30, collect: () => (collections += 1) });
    await sleep(80);
    expect(collections).toBe(1); // the startup garbage

    const first = activeRuns.start('run_first');
    const second = activeRuns.start('run_second');
    activeRuns.finish('run_first', first);
    await sleep(80);
    expect(collections).toBe(1); // one run still exports

    activeRuns.finish('run_second', second);
    const third = activeRuns.start('run_third'); // the queue's next job, taken within the quiet period
    await sleep(80);
    expect(collections).toBe(1);

    activeRuns.finish('run_third', third);
    await sleep(80);
    expect(collections).toBe(2);
  });

  it("a stale attempt's finish does not count as the run ending", () => {
    const activeRuns = new ActiveRuns();
    let idle = 0;
    activeRuns.onIdle(() => (idle += 1));
    const stale = activeRuns.start('run_retried');
    const current = activeRuns.start('run_retried');
    activeRuns.finish('run_retried', stale);
    expect([activeRuns.size, idle]).toEqual([1, 0]);
    activeRuns.finish('run_retried', current);
    expect([activeRuns.size, idle]).toEqual([0, 1]);
  });

  it("frees what the last run left behind with V8's own full collection", async () => {
    const activeRuns = new ActiveRuns();
    const controller = activeRuns.start('run_export');
    // Survives young-generation collections (it is old by the time the run ends), so only a
    // full collection frees it; V8 would run none on an idle process.
    let leftBehind: { rows: string[] } | null = {
      rows: Array.from({ length: 50_000 }, (_, index) => `row ${index}`),
    };
    const weak = new WeakRef(leftBehind);
    collectHeapWhenIdle(activeRuns, { quietMs: 30 });
    await sleep(80); // the startup collection promotes it
    leftBehind = null;
    await sleep(0); // a WeakRef keeps its target until the current job ends
    activeRuns.finish('run_export', controller);
    await sleep(100);
    expect(weak.deref()).toBeUndefined();
  });
});
