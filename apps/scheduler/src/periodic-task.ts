import type { Logger } from '@reportrun/config';

export interface PeriodicTask {
  /** Schedules no further pass and waits for the one in progress, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` now and then `intervalMs` after each pass ends, so passes never overlap however
 * long one takes; a pass that returns a number of milliseconds asks to run again sooner. A failed pass is logged and the next one tries again: the database and the
 * queue are re-read every time, so nothing is lost by skipping one.
 */
export function startPeriodicTask(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  // Anything but a number (the usual void) means "after the interval".
  pass: () => Promise<unknown>;
}): PeriodicTask {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      let delayMs = options.intervalMs;
      try {
        const wanted = await options.pass();
        if (typeof wanted === 'number') delayMs = Math.max(0, Math.min(wanted, options.intervalMs));
      } catch (error) {
        options.logger.error(
          { err: error, task: options.name },
          'periodic task failed; retrying after the interval',
        );
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delayMs);
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
