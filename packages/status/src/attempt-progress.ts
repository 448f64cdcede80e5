import type { ProgressDetails } from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';
import { recordAttemptProgress, type AttemptLease } from './attempts.ts';

/** Takes an export's progress as often as it comes and writes it to the run at a bounded rate. */
export interface ProgressRecorder {
  /** The latest progress; cheap, call it for every chunk. */
  update(progress: ProgressDetails): void;
  /** Stops writing; resolves once a write in flight has landed, so nothing is written after it. */
  stop(): Promise<void>;
}

/**
 * Writes an attempt's progress at most once per `intervalMs`: the first update at once, later
 * ones at the end of the interval, always the latest value (updates in between are folded into
 * it). Writes never overlap, so they land in order. Each write is the fenced
 * recordAttemptProgress: once the attempt no longer holds the run, writes match nothing and the
 * recorder stops by itself.
 */
export function createProgressRecorder(
  prisma: PrismaClient,
  lease: AttemptLease,
  { intervalMs, onError }: { intervalMs: number; onError?: (error: unknown) => void },
): ProgressRecorder {
  let latest: ProgressDetails | undefined;
  let written: string | undefined;
  let lastWriteAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  const write = () => {
    timer = undefined;
    if (stopped || inFlight || !latest) return;
    const serialized = JSON.stringify(latest);
    if (serialized === written) return;
    lastWriteAt = performance.now();
    written = serialized;
    inFlight = recordAttemptProgress(prisma, lease, latest)
      .then((held) => {
        if (!held) stopped = true;
      })
      .catch((error: unknown) => onError?.(error))
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
  };

  const schedule = () => {
    if (stopped || timer || inFlight || !latest || JSON.stringify(latest) === written) return;
    const wait = lastWriteAt + intervalMs - performance.now();
    if (wait <= 0) write();
    else timer = setTimeout(write, wait);
  };

  return {
    update(progress) {
      latest = progress;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
