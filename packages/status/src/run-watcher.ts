import type { PrismaClient, ReportRun } from '@reportrun/db';

/**
 * Called with the run as it is now on every poll; null once the run is gone or the watcher
 * closes, after which it is not called again.
 */
export type RunListener = (run: ReportRun | null) => void;

export interface RunWatcher {
  /** Starts watching a run; returns the function that stops. */
  watch(runId: string, listener: RunListener): () => void;
  /** How many listeners are attached right now (each open event stream is one). */
  readonly listeners: number;
  /** Tells every listener null (so streams end) and stops polling. */
  close(): void;
}

/**
 * One poller per process for every watched run: each tick reads all watched runs in a single
 * `SELECT … WHERE id = ANY(…)` and hands each listener its run. A thousand open event streams
 * cost one indexed query per interval, not a thousand; no run is read while nobody watches.
 *
 * Polling rather than LISTEN/NOTIFY: a NOTIFY would have to be sent by every write of a run
 * (transitions, attempts, recovery, retention), and one forgotten write would silently freeze
 * every stream; a poll sees every write, whoever made it, and needs no long-lived dedicated
 * connection. Progress is written at most once a second anyway, so a one-second poll adds at
 * most a second of delay.
 */
export function createRunWatcher(
  prisma: PrismaClient,
  { intervalMs, onError }: { intervalMs: number; onError?: (error: unknown) => void },
): RunWatcher {
  const watched = new Map<string, Set<RunListener>>();
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const poll = async () => {
    // A slow database must not stack queries: a tick that finds the last one running skips.
    if (polling || watched.size === 0) return;
    polling = true;
    try {
      const ids = [...watched.keys()];
      const runs = await prisma.reportRun.findMany({ where: { id: { in: ids } } });
      const byId = new Map(runs.map((run) => [run.id, run]));
      for (const id of ids) {
        for (const listener of watched.get(id) ?? []) listener(byId.get(id) ?? null);
      }
    } catch (error) {
      onError?.(error);
    } finally {
      polling = false;
    }
  };

  const start = () => {
    if (timer) return;
    timer = setInterval(() => void poll(), intervalMs);
    timer.unref();
  };
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return {
    watch(runId, listener) {
      let listeners = watched.get(runId);
      if (!listeners) watched.set(runId, (listeners = new Set()));
      listeners.add(listener);
      count += 1;
      start();
      let attached = true;
      return () => {
        if (!attached) return;
        attached = false;
        count -= 1;
        listeners.delete(listener);
        if (listeners.size === 0) watched.delete(runId);
        if (watched.size === 0) stop();
      };
    },
    get listeners() {
      return count;
    },
    close() {
      const listeners = [...watched.values()].flatMap((set) => [...set]);
      watched.clear();
      for (const listener of listeners) listener(null);
      count = 0;
      stop();
    },
  };
}
