/**
 * Why a run's work was stopped. Travels as the AbortSignal's reason from whoever stops the run
 * (cancel broadcast, status check, wall clock, shutdown) to the code that cleans up.
 */
export type RunAbortReason =
  | { kind: 'canceled' }
  | { kind: 'timeout'; seconds: number }
  | { kind: 'shutdown' }
  /** Another attempt took the run (or it ended) while this one still worked: stop, write nothing. */
  | { kind: 'lease_lost' }
  /** An error escaped the run's own handling (see the process guard); the attempt fails with it. */
  | { kind: 'fault'; error: unknown };

export class RunAborted extends Error {
  constructor(readonly reason: RunAbortReason) {
    super(`run aborted: ${reason.kind}`);
    this.name = 'RunAborted';
  }
}

export function abortReasonOf(signal: AbortSignal): RunAbortReason | null {
  if (!signal.aborted) return null;
  return signal.reason instanceof RunAborted ? signal.reason.reason : { kind: 'canceled' };
}

/** The controllers of the runs this process is executing, so any event can stop one. */
export class ActiveRuns {
  private readonly controllers = new Map<string, AbortController>();

  start(runId: string): AbortController {
    const controller = new AbortController();
    this.controllers.set(runId, controller);
    return controller;
  }

  finish(runId: string, controller: AbortController): void {
    if (this.controllers.get(runId) === controller) this.controllers.delete(runId);
  }

  abort(runId: string, reason: RunAbortReason): boolean {
    const controller = this.controllers.get(runId);
    if (!controller || controller.signal.aborted) return false;
    controller.abort(new RunAborted(reason));
    return true;
  }

  abortAll(reason: RunAbortReason): number {
    let count = 0;
    for (const runId of this.controllers.keys()) if (this.abort(runId, reason)) count += 1;
    return count;
  }

  get size(): number {
    return this.controllers.size;
  }
}
