import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectStartupGarbage } from '../src/idle-heap.ts';
import { ActiveRuns } from '../src/run-abort.ts';

describe("a ready worker's startup garbage", () => {
  it('is collected once the worker has idled for the quiet period', async () => {
    const activeRuns = new ActiveRuns();
    let collections = 0;
    collectStartupGarbage(activeRuns, { quietMs: 30, collect: () => (collections += 1) });
    expect(collections).toBe(0);
    await sleep(80);
    expect(collections).toBe(1);
    await sleep(80);
    expect(collections).toBe(1); // once
  });

  it('is left to V8 when a waiting job started first: no collection blocks a run', async () => {
    const activeRuns = new ActiveRuns();
    let collections = 0;
    collectStartupGarbage(activeRuns, { quietMs: 30, collect: () => (collections += 1) });
    const controller = activeRuns.start('run_waiting');
    await sleep(80);
    expect(collections).toBe(0);
    activeRuns.finish('run_waiting', controller);
  });

  it("is freed by V8's own full collection", async () => {
    const activeRuns = new ActiveRuns();
    // Only a full collection is sure to free it here: V8 starts none on its own in these 100 ms.
    let garbage: { modules: string[] } | null = {
      modules: Array.from({ length: 50_000 }, (_, index) => `module ${index}`),
    };
    const weak = new WeakRef(garbage);
    await sleep(0); // a WeakRef keeps its target until the current job ends
    garbage = null;
    collectStartupGarbage(activeRuns, { quietMs: 30 });
    await sleep(100);
    expect(weak.deref()).toBeUndefined();
  });
});
