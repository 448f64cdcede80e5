import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startProbeListener } from '@reportrun/observability';
import { startScheduler } from './scheduler.ts';

const config = loadConfigOrExit();
const logger = createLogger('scheduler', config.LOG_LEVEL);
const scheduler = await startScheduler(config, logger);
const listener = await startProbeListener({
  host: config.HOST,
  port: config.METRICS_PORT,
  metrics: scheduler.metrics,
  readiness: scheduler.readiness,
  logger,
});
// Tests and local tooling read the bound address from this line (METRICS_PORT=0 picks a port).
process.stdout.write(`REPORTRUN_METRICS_URL=${listener.url}\n`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  scheduler.readiness.startDraining();
  await scheduler.close();
  await listener.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
