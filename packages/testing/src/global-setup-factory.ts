import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startLocalS3, type LocalS3 } from './local-s3.ts';
import {
  assertLocalServices,
  createDatabaseFromTemplate,
  databaseUrlFor,
  dropDatabase,
} from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Empty when the package under test has no database. */
    reportrunTemplateDatabase: string;
    reportrunS3: {
      endpoint: string;
      accessKeyId: string;
      secretAccessKey: string;
      region: string;
    };
  }
}

const baseDatabaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface GlobalSetupOptions {
  /** Migrates a database; given, every test file gets a clone of one migrated template. */
  migrate?: (databaseUrl: string) => Promise<unknown>;
}

/**
 * Once per test run: checks Redis and Postgres are up, migrates a template database that each
 * test file clones, and starts a loopback S3 server unless S3_ENDPOINT names one. Packages pass
 * their migration function in, so this harness depends on no package it tests.
 */
export function createGlobalSetup(options: GlobalSetupOptions = {}) {
  return (project: TestProject) => setup(project, options);
}

async function setup(project: TestProject, options: GlobalSetupOptions) {
  await assertLocalServices(baseDatabaseUrl, redisUrl);
  let template = '';
  if (options.migrate) {
    template = `rr_template_${randomBytes(4).toString('hex')}`;
    await createDatabaseFromTemplate(baseDatabaseUrl, template);
    await options.migrate(databaseUrlFor(baseDatabaseUrl, template));
  }
  project.provide('reportrunTemplateDatabase', template);

  let localS3: LocalS3 | undefined;
  if (process.env.S3_ENDPOINT) {
    project.provide('reportrunS3', {
      endpoint: process.env.S3_ENDPOINT,
      accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '',
      region: process.env.S3_REGION ?? 'us-east-1',
    });
  } else {
    localS3 = await startLocalS3();
    project.provide('reportrunS3', {
      endpoint: localS3.endpoint,
      accessKeyId: localS3.accessKeyId,
      secretAccessKey: localS3.secretAccessKey,
      region: 'us-east-1',
    });
  }

  return async () => {
    await localS3?.stop();
    if (template) await dropDatabase(baseDatabaseUrl, template);
  };
}
