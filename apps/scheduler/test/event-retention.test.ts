import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idPrefix, newId } from '@reportrun/core';
import * as database from '@reportrun/db';
import { startScheduler, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';

// Events live one minute here; the sweep looks every half second.
const retentionEnv = { EVENT_RETENTION_SECONDS: '60', RETENTION_SWEEP_INTERVAL_SECONDS: '0.5' };

const fixture = useTestFixture({ database, team: 'Event retention team' });
let scheduler: ServiceProcess;

beforeAll(async () => {
  scheduler = await startScheduler({ ...fixture.environment.env, ...retentionEnv });
});

afterAll(async () => {
  await scheduler?.stop();
});

async function eventAged(seconds: number): Promise<string> {
  const createdAt = new Date(Date.now() - seconds * 1000);
  const run = await fixture.db.prisma.reportRun.create({
    data: {
      id: newId(idPrefix.reportRun, createdAt.getTime()),
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance_change_from_activity.itemized.1',
      reportName: 'Itemized',
      reportParameters: {},
      resultOptions: {},
      status: 'canceled',
      timeoutSeconds: 60,
      createdAt,
    },
  });
  const event = await fixture.db.prisma.event.create({
    data: {
      id: newId(idPrefix.event, createdAt.getTime()),
      teamId: fixture.teamId,
      livemode: false,
      type: 'report_run.canceled',
      runId: run.id,
      createdAt,
    },
  });
  return event.id;
}

describe('event retention', () => {
  it('the retention sweep deletes events older than the retention and keeps younger ones', async () => {
    const old = await eventAged(120);
    const young = await eventAged(10);
    await waitFor(
      () => fixture.db.prisma.event.count({ where: { id: old } }),
      (count) => count === 0,
      { timeoutMs: 20_000 },
    );
    expect(await fixture.db.prisma.event.count({ where: { id: young } })).toBe(1);
  });
});
