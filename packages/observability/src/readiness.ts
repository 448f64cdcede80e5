import { ServiceNotReady } from '@reportrun/core';
import { withTimeout } from './metrics.ts';

/** A dependency the process needs, by name; a check resolves when it answers and rejects otherwise. */
export type ReadinessChecks = Record<string, (signal: AbortSignal) => Promise<unknown>>;

export interface ReadinessReport {
  ready: boolean;
  draining: boolean;
  /** "ok", or why the dependency counts as down. */
  checks: Record<string, string>;
}

export interface Readiness {
  /** Runs every check at once, each bounded by the timeout. */
  check(): Promise<ReadinessReport>;
  /** Throws ServiceNotReady (503) unless every check passed and the process is not draining. */
  assertReady(): Promise<ReadinessReport>;
  /** From now on the process reports not ready: it is stopping and takes no new work. */
  startDraining(): void;
  readonly draining: boolean;
}

/**
 * Readiness of one process. A probe that hangs is as good as down to a load balancer, so each
 * check gets a short timeout (and an abort signal to stop its request) rather than the client
 * libraries' own, much longer, retry budgets.
 */
export function createReadiness(
  checks: ReadinessChecks,
  { timeoutMs = 2_000 }: { timeoutMs?: number } = {},
): Readiness {
  let draining = false;
  const check = async (): Promise<ReadinessReport> => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, run]) => {
        const controller = new AbortController();
        try {
          await withTimeout(run(controller.signal), timeoutMs);
          return [name, 'ok'] as const;
        } catch (error) {
          controller.abort();
          return [name, `down: ${describe(error)}`] as const;
        }
      }),
    );
    const report = Object.fromEntries(results);
    return { ready: !draining && results.every(([, result]) => result === 'ok'), draining, checks: report };
  };
  return {
    check,
    async assertReady() {
      const report = await check();
      if (!report.ready) throw new ServiceNotReady(report);
      return report;
    },
    startDraining() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}

/** One short line: client errors (Prisma's especially) can run to many lines. */
function describe(error: unknown): string {
  let text = String(error);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text =
      typeof code === 'string' && code !== '' ? `${code}: ${error.message}` : error.message || error.name;
  }
  const line = text.trim().split('\n')[0]!;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
