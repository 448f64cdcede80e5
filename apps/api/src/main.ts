import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startApiServer } from './server.ts';

const config = loadConfigOrExit();
const logger = createLogger('api', config.LOG_LEVEL);
const api = await startApiServer(config, logger);
// Child processes (tests, the local stack) read the bound address from this line.
process.stdout.write(`REPORTRUN_API_URL=${api.url}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  // Not ready from now on, but still serving: a load balancer notices /readyz failing only at
  // its next probes, and until then keeps sending requests, which must not be refused.
  api.readiness.startDraining();
  logger.info({ signal, drainDelayMs: config.SHUTDOWN_DRAIN_DELAY_MS }, 'draining');
  await sleep(config.SHUTDOWN_DRAIN_DELAY_MS);
  // Stops accepting connections; requests in flight finish first.
  await api.close();
  logger.info('stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
