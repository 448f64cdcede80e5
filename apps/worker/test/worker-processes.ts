import { afterEach } from 'vitest';
import type { Database } from '@reportrun/db';
import { startWorker, type ServiceProcess, type TestFixture } from '@reportrun/testing';

/**
 * Worker processes a test file starts with its own settings. After each test, runs still going
 * are canceled and every worker it started is killed, so no work leaks into the next test (a
 * leftover run, or a job a killed worker left stalled, would be picked up by the next test's
 * worker and show up as a second COPY).
 */
export function useWorkerProcesses(
  fixture: TestFixture<Database>,
  settings: Record<string, string>,
): (env?: Record<string, string>) => Promise<ServiceProcess> {
  const workers: ServiceProcess[] = [];
  afterEach(async () => {
    const leftovers = await fixture.db.prisma.reportRun.findMany({
      where: { status: 'running' },
      select: { id: true },
    });
    for (const { id } of leftovers)
      await fixture.client.call('POST', `/v2/reporting/report_runs/${id}/cancel`);
    await Promise.all(workers.splice(0).map((worker) => worker.stop('SIGKILL')));
  });
  return async (env = {}) => {
    const worker = await startWorker({ ...fixture.environment.env, ...settings, ...env });
    workers.push(worker);
    return worker;
  };
}
