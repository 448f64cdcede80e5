import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKey, createDatabase, createTeam, reportRunFromRow, type ReportRunRow } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { createReportRun, type NewReportRun } from '../src/index.ts';

/**
 * A run is written by one statement, through the pool (the API) or a Prisma transaction (the
 * scheduler); either way the run it returns must be exactly the row Prisma reads back.
 */

const fixture = useTestFixture({ database: { createDatabase, createTeam, createApiKey }, team: 'Run creation team' });

const plainRun = (): NewReportRun => ({
  teamId: fixture.teamId,
  livemode: false,
  reportId: 'balance_change_from_activity.itemized.1',
  reportName: 'Itemized balance change',
  reportParameters: { interval_start: '1735689600', interval_end: '1735776000', columns: ['id', 'amount'] },
  resultOptions: { compress_file: true, format: 'csv' },
  timeoutSeconds: 600,
  createdBy: 'key_test',
});

const readBack = (id: string) => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });

describe('creating a run', () => {
  it('through the pool returns the row as Prisma reads it, queued', async () => {
    const run = await createReportRun(fixture.db.pool, plainRun());
    expect(run).toEqual(await readBack(run.id));
    expect(run).toMatchObject({ status: 'running', statusDetails: { stage: 'queued' }, attempts: 0, userId: null, dataScope: null });
  });

  it("through a Prisma transaction, with a member, a scope, a thread and a source run, likewise; and rolls back with it", async () => {
    const member = await fixture.db.prisma.member.create({ data: { teamId: fixture.teamId, email: `m-${randomUUID()}@example.com` } });
    const source = await createReportRun(fixture.db.pool, plainRun());
    const scoped: NewReportRun = {
      ...plainRun(),
      userId: member.id,
      dataScope: { currency: ['eur'] },
      scheduleId: randomUUID(),
      threadId: randomUUID(),
      sourceRunId: source.id,
    };
    const run = await fixture.db.prisma.$transaction((tx) => createReportRun(tx, scoped));
    expect(run).toEqual(await readBack(run.id));
    expect(run).toMatchObject({ userId: member.id, dataScope: { currency: ['eur'] }, sourceRunId: source.id });

    const rolledBack = await fixture.db.prisma
      .$transaction(async (tx) => {
        const inside = await createReportRun(tx, plainRun());
        throw new Error(`roll back ${inside.id}`);
      })
      .catch((error: Error) => /roll back (\S+)/.exec(error.message)![1]!);
    expect(await fixture.db.prisma.reportRun.findUnique({ where: { id: rolledBack } })).toBeNull();
  });

  it('reads every column of a finished run as Prisma does, large sizes included', async () => {
    const run = await createReportRun(fixture.db.pool, plainRun());
    // Every nullable column set, the sizes beyond 2^53 so a lossy conversion would show.
    await fixture.db.pool.query(
      `UPDATE "public"."report_runs"
          SET status = 'succeeded', active_at = now(), succeeded_at = now(), failed_at = now(), canceled_at = now(),
              canceled_by = 'key_x', attempts = 2, is_read = true, read_at = now(), idempotency_key = 'idem',
              file_content_type = 'csv', file_size = 9007199254740993, file_rows = 9007199254740995,
              file_object_key = 'k', file_expires_at = now(), requeue_count = 1, requeued_at = now(),
              lease_owner = 'w', lease_attempt = 2, lease_expires_at = now(), crash_count = 1,
              thread_id = $2::uuid, is_source_run = true, summary = 'done'
        WHERE id = $1`,
      [run.id, randomUUID()],
    );
    const { rows } = await fixture.db.pool.query<ReportRunRow>('SELECT * FROM "public"."report_runs" WHERE id = $1', [run.id]);
    const viaPrismaRaw = await fixture.db.prisma.$queryRawUnsafe<ReportRunRow[]>('SELECT * FROM "public"."report_runs" WHERE id = $1', run.id);
    const expected = await readBack(run.id);
    expect(expected.fileSize).toBe(9007199254740993n);
    expect(reportRunFromRow(rows[0]!)).toEqual(expected);
    expect(reportRunFromRow(viaPrismaRaw[0]!)).toEqual(expected);
  });
});
