import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startScheduler } from './scheduler.ts';

const config = loadConfigOrExit();
const logger = createLogger('scheduler', config.LOG_LEVEL);
const scheduler = await startScheduler(config, logger);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await scheduler.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
