import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The BullMQ states the queue-depth gauge reports; KEDA and the dashboards read these names. */
export const queueStates = ['waiting', 'active', 'delayed', 'failed'] as const;
export type QueueState = (typeof queueStates)[number];

/** Reads the queue's job counts; called at scrape time, so the gauge is never stale. */
export type QueueCounts = () => Promise<Partial<Record<QueueState, number>>>;

/** How a run's attempt on a worker ended, as the run counters and histograms label it. */
export type RunOutcome =
  'succeeded' | 'failed' | 'retried' | 'canceled' | 'lease_lost' | 'returned' | 'discarded';

export interface MetricsOptions {
  /** Counts of the run queue, read on each scrape (the API, workers and scheduler all see the one queue). */
  queueCounts?: QueueCounts;
  /** A scrape waits at most this long for the queue counts, then reports the rest without them. */
  queueCountsTimeoutMs?: number;
}

/**
 * Every metric ReportRun exports, declared once: the processes record into the same names, so
 * one dashboard and one alert rule read the API, the workers and the scheduler alike. Each
 * process has its own registry (tests and the local stack start several in one process).
 */
export interface ReportRunMetrics {
  registry: Registry;
  runsStarted: Counter<'report' | 'format'>;
  runsFinished: Counter<'report' | 'format' | 'outcome'>;
  runDuration: Histogram<'report' | 'format' | 'outcome'>;
  /** From the run's creation to the start of its first attempt. */
  timeInQueue: Histogram<'report'>;
  rowsExported: Counter<'report' | 'format'>;
  bytesExported: Counter<'report' | 'format'>;
  /** `final` is "false" for a failure the run retries, "true" for the one that fails it. */
  runFailures: Counter<'code' | 'final'>;
  leaseRenewals: Counter<'result'>;
  reconcilerActions: Counter<'action' | 'code'>;
  httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
}

// Runs last from under a second (a small CSV) to the hour-long limit.
const runDurationBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const queueWaitBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): ReportRunMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const { queueCounts, queueCountsTimeoutMs = 2_000 } = options;
  if (queueCounts) {
    new Gauge({
      name: 'reportrun_queue_jobs',
      help: 'Jobs in the run queue by BullMQ state, read at scrape time.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        // Redis down: the scrape still answers (with the process metrics and counters), and
        // the missing series says the counts are unknown rather than zero.
        const counts = await withTimeout(queueCounts(), queueCountsTimeoutMs).catch(() => undefined);
        if (!counts) return;
        for (const state of queueStates) this.set({ state }, counts[state] ?? 0);
      },
    });
  }

  return {
    registry,
    runsStarted: new Counter({
      name: 'reportrun_runs_started_total',
      help: 'Run attempts a worker started, by report and format.',
      labelNames: ['report', 'format'],
      registers,
    }),
    runsFinished: new Counter({
      name: 'reportrun_runs_finished_total',
      help: 'Run attempts that ended on a worker, by report, format and outcome.',
      labelNames: ['report', 'format', 'outcome'],
      registers,
    }),
    runDuration: new Histogram({
      name: 'reportrun_run_duration_seconds',
      help: 'How long a run attempt took on its worker, from taking the run to settling it.',
      labelNames: ['report', 'format', 'outcome'],
      buckets: runDurationBuckets,
      registers,
    }),
    timeInQueue: new Histogram({
      name: 'reportrun_run_time_in_queue_seconds',
      help: 'From the run’s creation to its first attempt starting on a worker.',
      labelNames: ['report'],
      buckets: queueWaitBuckets,
      registers,
    }),
    rowsExported: new Counter({
      name: 'reportrun_rows_exported_total',
      help: 'Rows written to result files by succeeded runs.',
      labelNames: ['report', 'format'],
      registers,
    }),
    bytesExported: new Counter({
      name: 'reportrun_bytes_exported_total',
      help: 'Bytes of result files stored by succeeded runs.',
      labelNames: ['report', 'format'],
      registers,
    }),
    runFailures: new Counter({
      name: 'reportrun_run_failures_total',
      help: 'Failed run attempts by failure code; final="true" when the failure ended the run.',
      labelNames: ['code', 'final'],
      registers,
    }),
    leaseRenewals: new Counter({
      name: 'reportrun_lease_renewals_total',
      help: 'Renewals of a running attempt’s lease: renewed, lost (another attempt holds the run) or error.',
      labelNames: ['result'],
      registers,
    }),
    reconcilerActions: new Counter({
      name: 'reportrun_reconciler_actions_total',
      help: 'What the reconciler did to running runs: requeued, or failed with a code.',
      labelNames: ['action', 'code'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'reportrun_http_request_duration_seconds',
      help: 'API request duration by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: httpBuckets,
      registers,
    }),
  };
}

/** The Content-Type of `registry.metrics()`, Prometheus' text exposition format. */
export const metricsContentType = Registry.PROMETHEUS_CONTENT_TYPE;

export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
