import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@reportrun/config';

const repo = fileURLToPath(new URL('../..', import.meta.url));

// The Compose Specification's schema, vendored from compose-spec/compose-spec (see
// test/schemas/README.md): no npm package ships a current one, and the tests run offline.
const schema = JSON.parse(readFileSync(join(repo, 'infra/test/schemas/compose-spec.json'), 'utf8')) as Record<string, unknown>;
// Compose's custom formats (`duration`, `ports`, ...) are Compose's own; the structure is what
// the schema can check, so formats are not validated here.
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
const validateCompose = ajv.compile(schema);

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  entrypoint?: string;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  container_name?: string;
  stop_grace_period?: string;
  restart?: string;
  healthcheck?: { test: string[] };
}
// Compose resolves YAML merge keys (`<<: *anchor`) before it reads the file; so does this.
const compose = parse(readFileSync(join(repo, 'infra/docker-compose.yml'), 'utf8'), { merge: true }) as {
  name: string;
  services: Record<string, Service>;
};
const services = compose.services;
const reportrunServices = ['migrate', 'api', 'scheduler', 'worker'] as const;

const seconds = (duration: string) => Number(/^(\d+)s$/.exec(duration)?.[1] ?? Number.NaN);

describe('docker compose (infra/docker-compose.yml)', () => {
  it('is valid under the Compose Specification', () => {
    const valid = validateCompose(compose);
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(compose.name).toBe('reportrun');
  });

  it('the schema check catches a broken file', () => {
    const broken = structuredClone(compose);
    (broken.services.worker as Record<string, unknown>).stop_grace_priod = '45s';
    (broken.services.redis as Record<string, unknown>).ports = '6379';
    expect(validateCompose(broken)).toBe(false);
    expect(validateCompose.errors!.map((error) => error.instancePath)).toEqual(
      expect.arrayContaining(['/services/worker', '/services/redis/ports']),
    );
  });

  it('keeps Redis from dropping queue keys: noeviction and an append-only file', () => {
    const command = services.redis!.command as string[];
    expect(command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(command.join(' ')).toMatch(/--appendonly yes/);
  });

  it('gives Postgres the login the default DATABASE_URL uses', () => {
    const defaults = new URL(loadConfig({}).DATABASE_URL);
    const postgres = services.postgres!.environment!;
    expect(postgres.POSTGRES_USER).toBe(defaults.username);
    expect(`/${postgres.POSTGRES_DB}`).toBe(defaults.pathname);
    // The default URL has no password: the server must trust it, and only on loopback.
    expect(defaults.password).toBe('');
    expect(postgres.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    expect(services.postgres!.ports).toEqual(['127.0.0.1:5432:5432']);
  });

  it('runs every ReportRun process from the one image, with a valid configuration', () => {
    for (const name of reportrunServices) {
      const service = services[name]!;
      expect(service.build).toEqual({ context: '..', dockerfile: 'infra/Dockerfile' });
      expect(service.command).toEqual([name]);
      const config = loadConfig(service.environment);
      // Every process talks to the compose services, never to its own loopback.
      expect(new URL(config.DATABASE_URL).hostname).toBe('postgres');
      expect(new URL(config.REDIS_URL).hostname).toBe('redis');
      expect(new URL(config.S3_ENDPOINT!).hostname).toBe('minio');
      expect(config.S3_ACCESS_KEY_ID).toBe(services.minio!.environment!.MINIO_ROOT_USER);
      expect(config.S3_SECRET_ACCESS_KEY).toBe(services.minio!.environment!.MINIO_ROOT_PASSWORD);
      expect(services['minio-bucket']!.entrypoint).toContain(`mc mb --ignore-existing local/${config.S3_BUCKET}`);
    }
    expect(loadConfig(services.api!.environment).HOST).toBe('0.0.0.0');
  });

  it('signs download links for the MinIO port the host can reach', () => {
    const publicEndpoint = new URL(services.api!.environment!.S3_PUBLIC_ENDPOINT!);
    expect(services.minio!.ports).toContain(`${publicEndpoint.hostname}:${publicEndpoint.port}:9000`);
  });

  it('migrates once before the API, scheduler and workers start', () => {
    expect(services.migrate!.restart).toBe('no');
    expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['api', 'scheduler', 'worker'] as const) {
      expect(services[name]!.depends_on).toMatchObject({
        migrate: { condition: 'service_completed_successfully' },
        'minio-bucket': { condition: 'service_completed_successfully' },
        redis: { condition: 'service_healthy' },
      });
    }
  });

  it('scales workers with --scale worker=N and lets each drain before it is killed', () => {
    const worker = services.worker!;
    // A fixed name or a published host port would make a second replica fail to start.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const graceMs = Number(worker.environment!.WORKER_SHUTDOWN_GRACE_MS);
    expect(seconds(worker.stop_grace_period!) * 1000).toBeGreaterThan(graceMs);
  });
});
