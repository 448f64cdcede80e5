import type { Config, Logger } from '@reportrun/config';
import type { PrismaClient } from '@reportrun/db';
import type { ReportRunQueue } from '@reportrun/queue';
import type { Storage } from '@reportrun/storage';

export interface ApiDependencies {
  config: Config;
  logger: Logger;
  prisma: PrismaClient;
  queue: ReportRunQueue;
  storage: Storage;
}
