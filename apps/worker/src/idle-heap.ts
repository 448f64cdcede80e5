import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ActiveRuns } from './run-abort.ts';

export interface StartupGarbageOptions {
  /** Long enough for a waiting job to be taken first: a worker that starts busy skips it. */
  quietMs?: number;
  /** A full collection; V8's own by default. */
  collect?: () => void;
}

/**
 * Hands the startup garbage back once the worker is ready and idle. Loading the modules leaves
 * about 10 MB of it; V8's memory reducer returns the pages only some 10 s into idleness, and a
 * plain gc() frees the objects but keeps their pages, while a memory-reducing ("last resort")
 * full collection returns them at once (measured: idle RSS 110 MB at ready + 5 s without, 93–99
 * MB with). Only at startup: after a run, V8's reducer returns the export's garbage on its own
 * some 10 s later, and collecting there too made every run's end pay a blocking collection
 * (the worker's process tests ran about 15% longer) for memory that comes back anyway.
 */
export function collectStartupGarbage(
  activeRuns: ActiveRuns,
  { quietMs = 2_000, collect = fullCollection() }: StartupGarbageOptions = {},
): void {
  const timer = setTimeout(() => {
    if (activeRuns.size === 0) collect();
  }, quietMs);
  timer.unref();
}

function fullCollection(): () => void {
  // gc() is reachable only through V8's flag, set before the context it is taken from exists.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'major'; flavor: 'last-resort' }) => void;
  return () => gc({ type: 'major', flavor: 'last-resort' });
}
