import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { installProcessGuard } from './process-guard.ts';
import { startReportRunWorker, workerTuningFromEnv } from './worker.ts';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.LOG_LEVEL);
let tuning;
try {
  tuning = workerTuningFromEnv();
} catch (error) {
  process.stderr.write(`Invalid configuration: ${(error as Error).message}\n`);
  process.exit(78);
}
const running = await startReportRunWorker(config, logger, tuning);
installProcessGuard(logger, running.activeRuns);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, activeRuns: running.activeRuns.size }, 'draining');
  await running.close();
  logger.info('stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
