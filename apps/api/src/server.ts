import type { Server } from 'node:http';
import type { Config, Logger } from '@reportrun/config';
import { createDatabase, createPool } from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { createStorageFromConfig } from '@reportrun/storage';
import { createApp } from './app.ts';

export interface RunningApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(config: Config, logger: Logger): Promise<RunningApi> {
  const db = createDatabase(config.DATABASE_URL);
  const redis = createRedisConnection(config, 'producer');
  const queue = createReportRunQueue(redis, config.QUEUE_PREFIX);
  const storage = createStorageFromConfig(config);
  const reportingPool = createPool(config.REPORTS_DATABASE_URL, { max: 5, application_name: 'reportrun-api-reports' });
  const app = createApp({ config, logger, prisma: db.prisma, queue, redis, storage, reportingPool });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  logger.info({ url }, 'api listening');
  return {
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      redis.disconnect();
      await db.close();
      await reportingPool.end();
      storage.s3.destroy();
    },
  };
}
