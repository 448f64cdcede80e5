import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startReportRunWorker } from './worker.ts';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.LOG_LEVEL);
const running = await startReportRunWorker(config, logger);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'draining');
  await running.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
