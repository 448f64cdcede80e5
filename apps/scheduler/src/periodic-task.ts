import type { Logger } from '@reportrun/config';

export interface PeriodicTask {
  /** Schedules no further pass and waits for the one in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` now and then `intervalMs` after each pass ends, so passes never overlap however
 * long one takes. A failed pass is logged and the next one tries again: the database and the
 * queue are re-read every time, so nothing is lost by skipping one.
 */
export function startPeriodicTask(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  pass: () => Promise<void>;
}): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      try {
        await options.pass();
      } catch (error) {
        options.logger.error(
          { err: error, task: options.name },
          'periodic task failed; retrying after the interval',
        );
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, options.intervalMs);
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
