import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ActiveRuns } from './run-abort.ts';

export interface IdleHeapOptions {
  /** Long enough for a queue's next job to be taken first: a busy worker never collects here. */
  quietMs?: number;
  /** A full collection; V8's own by default. */
  collect?: () => void;
}

/**
 * Hands the heap's garbage back as soon as the worker has nothing to do: once after startup, and
 * each time its last active run ends. Loading the modules leaves about 10 MB of garbage and an
 * export its buffers. V8's memory reducer returns them only about 10 s into idleness, and a
 * plain gc() frees the objects but keeps their pages; a memory-reducing ("last resort") full
 * collection returns the pages at once (measured: idle RSS 110 MB at ready + 5 s without,
 * 93–99 MB with). It takes some 50 ms, off any run's path.
 */
export function collectHeapWhenIdle(
  activeRuns: ActiveRuns,
  { quietMs = 2_000, collect = fullCollection() }: IdleHeapOptions = {},
): void {
  let pending: NodeJS.Timeout | undefined;
  const collectSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      if (activeRuns.size === 0) collect();
    }, quietMs);
    pending.unref();
  };
  activeRuns.onIdle(collectSoon);
  collectSoon();
}

function fullCollection(): () => void {
  // gc() is reachable only through V8's flag, set before the context it is taken from exists.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'major'; flavor: 'last-resort' }) => void;
  return () => gc({ type: 'major', flavor: 'last-resort' });
}
