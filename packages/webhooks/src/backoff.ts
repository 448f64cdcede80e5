export interface RetrySettings {
  /** The first retry waits about this long; each further one twice as long. */
  baseSeconds: number;
  /** No single wait is longer. */
  maxDelaySeconds: number;
  /** A delivery still failing this long after it began is given up (marked failed). */
  windowSeconds: number;
}

/**
 * When to try a delivery again after its `attempt`-th attempt failed, or null to give up.
 * Exponential with "equal jitter" (half fixed, half random): receivers that came back after an
 * outage are not hit by every retry in the same instant, and no wait shrinks to nothing.
 */
export function nextRetryAt(
  attempt: number,
  startedAt: Date,
  now: Date,
  settings: RetrySettings,
  random: () => number = Math.random,
): Date | null {
  const exponential = settings.baseSeconds * 2 ** Math.min(attempt - 1, 40);
  const capped = Math.min(exponential, settings.maxDelaySeconds);
  const delayMs = (capped / 2 + (capped / 2) * random()) * 1000;
  const at = new Date(now.getTime() + delayMs);
  return at.getTime() > startedAt.getTime() + settings.windowSeconds * 1000 ? null : at;
}
