import { z } from 'zod';

const defaultDatabaseUrl = 'postgresql://postgres@127.0.0.1:5432/reportrun';

/** Every setting the service reads, with working local defaults. */
export const configSchema = z.object({
  DATABASE_URL: z.url().default(defaultDatabaseUrl),
  REPORTS_DATABASE_URL: z.url().optional(),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /**
   * Seed nodes of a Redis Cluster (`host:port,host:port,…`). Set, every process talks to the
   * cluster and REDIS_URL is not used; QUEUE_PREFIX's hash tag keeps each queue in one slot.
   */
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'must be host:port pairs separated by commas, e.g. 10.0.0.1:6379,10.0.0.2:6379')
    .transform((nodes) => nodes.split(','))
    .optional(),
  /** Hash-tagged so every BullMQ key of one deployment lands in one Redis Cluster slot. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}$/, 'must be a Redis hash tag such as {reportrun}')
    .default('{reportrun}'),
  S3_ENDPOINT: z.url().optional(),
  /**
   * The host presigned download URLs are signed for, when clients reach storage under another
   * name than the processes do (in a cluster, S3_ENDPOINT is an internal name). Defaults to
   * S3_ENDPOINT. Uploads always go through S3_ENDPOINT.
   */
  S3_PUBLIC_ENDPOINT: z.url().optional(),
  S3_BUCKET: z.string().min(3).default('reportrun'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('S3RVER'),
  /**
   * How uploads protect their bytes: `checksum` (a CRC-32 the server checks; the body signed as
   * UNSIGNED-PAYLOAD) or `sha256` (the body's SHA-256 in the signature, for servers that ignore
   * checksum headers, reached without TLS).
   */
  S3_PAYLOAD_SIGNING: z.enum(['checksum', 'sha256']).default('checksum'),
  DOWNLOAD_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600, 'presigned URLs cannot outlive 7 days')
    .default(15 * 60),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  /** A dead worker's job is handed to another after this long without a lock renewal (BullMQ). */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().positive().default(30_000),
  /** How often BullMQ looks for stalled jobs. */
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().positive().default(15_000),
  /** How often a running export re-reads its run's status: the backstop for a missed cancel. */
  WORKER_STATUS_CHECK_MS: z.coerce.number().int().positive().default(2_000),
  /** On SIGTERM, how long active runs may continue before they return to the queue. */
  WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  RUN_TIMEOUT_SECONDS_MAX: z.coerce.number().int().min(1).default(3600),
  /**
   * Connections a large export reads its result on, in ranges of the report's ordering key
   * within one snapshot. Each shard is one database core busy formatting rows. Off (1) by
   * default: deciding to shard runs a bounded count before the COPY, and a cancel arriving
   * during that count waits for it (docs/performance.md).
   */
  EXPORT_SHARDS: z.coerce.number().int().min(1).max(32).default(1),
  /** Results with fewer rows are exported on one connection, whatever EXPORT_SHARDS says. */
  EXPORT_SHARD_MIN_ROWS: z.coerce.number().int().min(0).default(250_000),
  /** How long a result file is kept after its run succeeds; then the scheduler deletes it. */
  RESULT_RETENTION_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
  RETENTION_SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(300),
  /** The scheduler's orphan cleanup: how often it looks for uploads and objects no live attempt owns. */
  ORPHAN_CLEANUP_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  /** Uploads and objects younger than this are never touched by the orphan cleanup. */
  ORPHAN_GRACE_SECONDS: z.coerce.number().min(0).default(120),
  /** How often the scheduler deletes idempotency keys past their 24-hour retention. */
  IDEMPOTENCY_SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(3600),
  /** The scheduler's reconciler: how often it looks for running runs whose job went missing. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().positive().default(30),
  /** Younger runs are left alone, so the reconciler never races the API's own enqueue. */
  RECONCILE_GRACE_SECONDS: z.coerce.number().min(0).default(60),
  /** Re-enqueues of one run before it is failed as `run_lost`. */
  RECONCILE_MAX_REQUEUES: z.coerce.number().int().min(0).default(3),
  /** Slack past a run's timeout (from `active_at`) before the reconciler fails it as `timeout`. */
  RECONCILE_TIMEOUT_MARGIN_SECONDS: z.coerce.number().min(0).default(300),
  /**
   * How long a worker's hold on a run lasts without renewal (renewed every third of it). A run
   * whose lease lapsed is presumed abandoned: the reconciler may re-enqueue it and the next
   * attempt counts a crash. Fractions of a second are allowed for tests.
   */
  WORKER_LEASE_SECONDS: z.coerce.number().positive().default(30),
  /** Attempts of one run that may end in a worker crash or a lost lease; one more fails it (`worker_crashed`). */
  RUN_MAX_CRASHES: z.coerce.number().int().min(0).default(3),
  /**
   * The longest the scheduler's firing loop sleeps between looks at the schedules; it wakes
   * earlier for a `next_run_time` it already knows of.
   */
  SCHEDULE_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** Requests one API key may make per minute (fixed window in Redis); over it, 429. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** How long a request waits for the rate-limit counter before it is let through uncounted (fail open). */
  RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(250),
  /** Most rows a synchronous saved-report run or export answers; a larger result points to an async run. */
  SAVED_REPORT_SYNC_MAX_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** statement_timeout of a synchronous saved-report query. */
  SAVED_REPORT_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
  /** How often the API reads the runs that open event streams watch (one query for all of them). */
  EVENTS_POLL_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** An open event stream sends a comment this often, so proxies and clients see it alive. */
  EVENTS_HEARTBEAT_SECONDS: z.coerce.number().positive().max(300).default(15),
  /**
   * Webhook URLs whose host resolves to a loopback, private, link-local, unique-local or
   * unspecified address are refused (at creation and at every delivery) unless this is true:
   * for local development and tests only, since it lets API keys make the service call into
   * its own network.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: z.stringbool({ error: 'must be true or false' }).default(false),
  /** How long one webhook POST may take, connection included, before it counts as failed. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The first retry of a failed delivery waits about this long; each further one twice as long (with jitter). */
  WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().positive().default(60),
  /** No wait between retries is longer than this. */
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: z.coerce.number().positive().default(3 * 3600),
  /** A delivery still failing this long after it began is marked failed (resend starts it again). */
  WEBHOOK_RETRY_WINDOW_SECONDS: z.coerce.number().positive().default(3 * 24 * 3600),
  /** How often the scheduler looks for due webhook deliveries. */
  WEBHOOK_DELIVERY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /** Events older than this are deleted by the scheduler's retention sweep (with their deliveries). */
  EVENT_RETENTION_SECONDS: z.coerce.number().int().min(1).default(30 * 24 * 3600),
  /**
   * On SIGTERM the API reports not ready at once but keeps serving this long before it closes,
   * so load balancers see /readyz fail and stop routing to it while its requests still succeed.
   * 0 (the default, for development and tests) closes at once; the Kubernetes manifests set 5000.
   */
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(300_000).default(0),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /**
   * The address the API and the probe listeners bind. Loopback by default, so a development
   * machine never serves the network; the image sets 0.0.0.0 (docs/operations.md).
   */
  HOST: z.string().default('127.0.0.1'),
  /**
   * The worker's and the scheduler's listener for /livez, /readyz and /metrics (the API serves
   * them on PORT). 0 picks a free port, printed as REPORTRUN_METRICS_URL=….
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema> & { REPORTS_DATABASE_URL: string };

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "unset", as in most twelve-factor tooling.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  return {
    ...parsed.data,
    REPORTS_DATABASE_URL: parsed.data.REPORTS_DATABASE_URL ?? parsed.data.DATABASE_URL,
  };
}

/** For process entry points: prints the problem and exits instead of throwing a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
