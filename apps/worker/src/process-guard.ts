import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '@reportrun/config';
import type { ActiveRuns } from './run-abort.ts';

/**
 * The run whose work is executing. Every socket, stream and timer a run creates inherits it, so
 * an error surfacing from one of them (even as an uncaught exception) can be traced to its run.
 * A connection created outside the run (a pooled one reused from another run) would carry the
 * other run's context, which is why the reporting pool hands each export a fresh connection.
 */
const runContext = new AsyncLocalStorage<{ runId: string }>();

export function runInRunContext<T>(runId: string, work: () => Promise<T>): Promise<T> {
  return runContext.run({ runId }, work);
}

export function currentRunId(): string | undefined {
  return runContext.getStore()?.runId;
}

/**
 * Last line of defence: an error no listener took (an 'error' event on a stream or client, a
 * rejected promise nobody awaited) is logged and fails the run it belongs to, through that run's
 * abort signal, instead of ending the process and every other run on it. Each run's own code
 * handles its errors; reaching this guard is a bug worth its error-level log line.
 */
export function installProcessGuard(logger: Logger, activeRuns: ActiveRuns): () => void {
  const contain = (kind: 'uncaught exception' | 'unhandled rejection') => (error: unknown) => {
    const runId = currentRunId();
    const stopped = runId ? activeRuns.abort(runId, { kind: 'fault', error }) : false;
    logger.error({ err: error, runId, runStopped: stopped }, `${kind} contained; the process keeps running`);
  };
  const onException = contain('uncaught exception');
  const onRejection = contain('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
