import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startProbeListener, type ProbeListener } from '@reportrun/observability';
import { collectStartupGarbage } from './idle-heap.ts';
import { installProcessGuard } from './process-guard.ts';
import { startReportRunWorker, workerTuningOf } from './worker.ts';

const config = loadConfigOrExit();
const logger = createLogger('worker', config.LOG_LEVEL);
let listener: ProbeListener | undefined;
const running = await startReportRunWorker(config, logger, workerTuningOf(config), {
  async onProbes({ metrics, readiness }) {
    listener = await startProbeListener({ host: config.HOST, port: config.METRICS_PORT, metrics, readiness, logger });
    // Tests and local tooling read the bound address from this line (METRICS_PORT=0 picks a port).
    process.stdout.write(`REPORTRUN_METRICS_URL=${listener.url}\n`);
  },
});
installProcessGuard(logger, running.activeRuns);
collectStartupGarbage(running.activeRuns);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal, activeRuns: running.activeRuns.size }, 'draining');
  // /readyz answers 503 for the whole drain; the listener closes last.
  running.readiness.startDraining();
  await running.close();
  await listener?.close();
  logger.info('stopped');
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
