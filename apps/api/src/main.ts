import { createLogger, loadConfigOrExit } from '@reportrun/config';
import { startApiServer } from './server.ts';

const config = loadConfigOrExit();
const logger = createLogger('api', config.LOG_LEVEL);
const api = await startApiServer(config, logger);
// Child processes (tests, the local stack) read the bound address from this line.
process.stdout.write(`REPORTRUN_API_URL=${api.url}\n`);

const stop = async () => {
  // Not ready from now on, so load balancers stop sending requests; those in flight finish.
  api.readiness.startDraining();
  await api.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
