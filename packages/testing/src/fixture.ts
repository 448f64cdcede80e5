import { afterAll, beforeAll } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import { createTestEnvironment, waitFor, type TestEnvironment } from './test-environment.ts';
import { startApi, startWorker } from './service-processes.ts';
import type { ServiceProcess } from './processes.ts';

/** What the fixture needs of a database handle: something it can close. */
export interface FixtureDatabase {
  prisma: unknown;
  close(): Promise<void>;
}

/**
 * The database functions the fixture calls. They are passed in rather than imported because
 * @reportrun/db's own tests run on this harness: a runtime dependency on it would make the
 * package graph cyclic (turbo rejects that). Passing the real functions, not re-creating teams
 * and keys in SQL here, keeps key hashing in one place.
 */
export interface FixtureDatabaseFunctions<D extends FixtureDatabase> {
  createDatabase(connectionString: string): D;
  createTeam?(prisma: D['prisma'], name: string): Promise<{ id: string }>;
  createApiKey?(
    prisma: D['prisma'],
    input: { teamId: string; livemode: boolean; name: string },
  ): Promise<{ id: string; secret: string }>;
}

export interface TestFixtureOptions<D extends FixtureDatabase> {
  /** Opens `fixture.db` on the file's own database. */
  database?: FixtureDatabaseFunctions<D>;
  /** Creates a team with this name and a test-mode key for it (`fixture.teamId`, `fixture.apiKey`). */
  team?: string;
  /** Also a live-mode key for the same team (`fixture.liveKey`). */
  liveKey?: boolean;
  /** Also a second team with its own test-mode key (`fixture.otherTeamId`, `fixture.otherTeamKey`), for isolation tests. */
  otherTeam?: boolean;
  /** Runs after the database is open and before the API starts (seeding, extra rows). */
  seed?: (db: D, environment: TestEnvironment) => Promise<void>;
  /**
   * Starts the API (`fixture.api`, `fixture.client`): `true` or extra environment runs it as a
   * real process; a function starts it in-process (the API app's `startApiServer`, passed in
   * because this package cannot depend on an app).
   */
  api?: boolean | Record<string, string> | ((environment: TestEnvironment) => Promise<FixtureApi>);
  /** Starts one worker process beside the API (`fixture.worker`); an object adds to its environment. */
  worker?: boolean | Record<string, string>;
}

/** A running API: its base URL and how to stop it; `service` when it runs as a process. */
export interface FixtureApi {
  url: string;
  close(): Promise<void>;
  service?: ServiceProcess;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Creates run ids and reads run resources over HTTP, with the file's key unless told otherwise. */
export interface ApiClient {
  call(method: string, path: string, body?: unknown, options?: { key?: string; headers?: Record<string, string> }): Promise<ApiResponse>;
  /** POSTs a run; throws unless the API answers 200. Defaults to a year of the itemized report. */
  createRun(body?: Record<string, unknown>, options?: { key?: string }): Promise<ReportRunResource>;
  /** GETs a run; throws unless the API answers 200. */
  getRun(id: string, options?: { key?: string }): Promise<ReportRunResource>;
  /** Polls the run until it leaves `running`; returns the ended resource. */
  waitUntilEnded(id: string, options?: { timeoutMs?: number }): Promise<ReportRunResource>;
}

export interface TestFixture<D extends FixtureDatabase> {
  readonly environment: TestEnvironment;
  readonly db: D;
  readonly teamId: string;
  readonly apiKey: string;
  readonly apiKeyId: string;
  readonly liveKey: string;
  readonly otherTeamId: string;
  readonly otherTeamKey: string;
  readonly api: FixtureApi;
  readonly worker: ServiceProcess;
  readonly client: ApiClient;
}

export const defaultRunBody = {
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' },
};

/**
 * Gives a test file its environment (own database, bucket and queue prefix), and on request a
 * database handle, a team with keys and a running API with a client, and tears all of it down.
 *
 * It registers vitest `beforeAll`/`afterAll` hooks itself (call it at the top level of the
 * file) rather than returning something to build and close by hand: every file set up and
 * closed the same things in the same order, and a forgotten close leaked databases and Redis
 * keys. The returned object is filled in `beforeAll`; reading a part that was not asked for,
 * or reading before the hook ran, throws with the option to set.
 */
export function useTestFixture<D extends FixtureDatabase = FixtureDatabase>(
  options: TestFixtureOptions<D> = {},
): TestFixture<D> {
  const parts: Partial<Record<keyof TestFixture<D>, unknown>> = {};
  const part = <K extends keyof TestFixture<D>>(name: K, option: string): TestFixture<D>[K] => {
    if (!(name in parts)) throw new Error(`the test fixture has no ${String(name)}: pass ${option} to useTestFixture, and read it inside a test or hook`);
    return parts[name] as TestFixture<D>[K];
  };

  // Built now, so a file can destructure `call`/`createRun` at its top level; the URL and key
  // are read on each request, once `beforeAll` has filled them in.
  const client = apiClient(
    () => part('api', '{ api: true }').url,
    () => part('apiKey', '{ team }'),
  );

  beforeAll(async () => {
    const environment = await createTestEnvironment();
    parts.environment = environment;
    if (options.database) {
      const database = options.database;
      const db = database.createDatabase(environment.config.DATABASE_URL);
      parts.db = db;
      if (options.team !== undefined) {
        const { createTeam, createApiKey } = database;
        if (!createTeam || !createApiKey) throw new Error('a team needs createTeam and createApiKey in `database`');
        const teamId = (await createTeam(db.prisma, options.team)).id;
        const key = await createApiKey(db.prisma, { teamId, livemode: false, name: 'test' });
        Object.assign(parts, { teamId, apiKey: key.secret, apiKeyId: key.id });
        if (options.liveKey) parts.liveKey = (await createApiKey(db.prisma, { teamId, livemode: true, name: 'live' })).secret;
        if (options.otherTeam) {
          const otherTeamId = (await createTeam(db.prisma, `Other team than ${options.team}`)).id;
          const otherTeamKey = (await createApiKey(db.prisma, { teamId: otherTeamId, livemode: false, name: 'other' })).secret;
          Object.assign(parts, { otherTeamId, otherTeamKey });
        }
      }
      await options.seed?.(db, environment);
    }
    const extra = (option: boolean | Record<string, string>) => (typeof option === 'object' ? option : {});
    // Both processes take seconds to boot on a busy machine; they start side by side.
    await Promise.all([
      options.api && startFixtureApi(options.api, environment).then((api) => (parts.api = api)),
      options.worker && startWorker({ ...environment.env, ...extra(options.worker) }).then((worker) => (parts.worker = worker)),
    ]);
  });

  afterAll(async () => {
    await Promise.all([
      (parts.api as FixtureApi | undefined)?.close(),
      (parts.worker as ServiceProcess | undefined)?.stop(),
    ]);
    await (parts.db as D | undefined)?.close();
    await (parts.environment as TestEnvironment | undefined)?.cleanup();
  });

  return {
    get environment() { return part('environment', 'nothing'); },
    get db() { return part('db', '{ database }'); },
    get teamId() { return part('teamId', '{ team }'); },
    get apiKey() { return part('apiKey', '{ team }'); },
    get apiKeyId() { return part('apiKeyId', '{ team }'); },
    get liveKey() { return part('liveKey', '{ liveKey: true }'); },
    get otherTeamId() { return part('otherTeamId', '{ otherTeam: true }'); },
    get otherTeamKey() { return part('otherTeamKey', '{ otherTeam: true }'); },
    get api() { return part('api', '{ api: true }'); },
    get worker() { return part('worker', '{ worker: true }'); },
    client,
  };
}

async function startFixtureApi(
  option: true | Record<string, string> | ((environment: TestEnvironment) => Promise<FixtureApi>),
  environment: TestEnvironment,
): Promise<FixtureApi> {
  if (typeof option === 'function') return option(environment);
  const { service, url } = await startApi({ ...environment.env, ...(option === true ? {} : option) });
  return { url, service, close: () => service.stop() };
}

/** A JSON client for one API; the URL and key may be functions, read on every request. */
export function apiClient(baseUrl: string | (() => string), key: string | (() => string)): ApiClient {
  const read = (value: string | (() => string)) => (typeof value === 'string' ? value : value());
  const call: ApiClient['call'] = async (method, path, body, options = {}) => {
    const response = await fetch(`${read(baseUrl)}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.key ?? read(key)}`, 'content-type': 'application/json', ...options.headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };
  const getRun: ApiClient['getRun'] = async (id, options) => {
    const { status, body } = await call('GET', `/v2/reporting/report_runs/${id}`, undefined, options);
    if (status !== 200) throw new Error(`reading run ${id} answered ${status}: ${JSON.stringify(body)}`);
    return body as unknown as ReportRunResource;
  };
  return {
    call,
    getRun,
    async createRun(body = defaultRunBody, options) {
      const response = await call('POST', '/v2/reporting/report_runs', body, options);
      if (response.status !== 200) throw new Error(`creating a run answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body as unknown as ReportRunResource;
    },
    waitUntilEnded: (id, { timeoutMs } = {}) => waitFor(() => getRun(id), (run) => run.status !== 'running', timeoutMs === undefined ? {} : { timeoutMs }),
  };
}
