import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { createReportRun } from '@reportrun/status';
import { commonScope, dataScopeSchema, findTeamMembers } from '../src/index.ts';

const fixture = useTestFixture({ database, team: 'Members team', otherTeam: true });

describe('commonScope', () => {
  it('keeps only the values every scope allows, field by field', () => {
    expect(
      commonScope([
        { currency: ['usd', 'eur', 'gbp'] },
        { currency: ['eur', 'usd'], customer: ['cus_1'] },
        {},
      ]),
    ).toEqual({ currency: ['eur', 'usd'], customer: ['cus_1'] });
  });

  it('an empty intersection shows nothing, never everything', () => {
    const common = commonScope([{ currency: ['usd'] }, { currency: ['eur'] }]);
    expect(common).toEqual({ currency: [] });
  });

  it('scopes that restrict nothing leave the run unscoped', () => {
    expect(commonScope([{}, {}])).toEqual({});
    expect(commonScope([])).toEqual({});
  });
});

describe('dataScopeSchema', () => {
  it('refuses values that are not lists of strings and field names that are not fields', () => {
    expect(dataScopeSchema.safeParse({ currency: 'usd' }).success).toBe(false);
    expect(dataScopeSchema.safeParse({ currency: [1] }).success).toBe(false);
    expect(dataScopeSchema.safeParse({ 'Currency;drop': ['usd'] }).success).toBe(false);
    expect(dataScopeSchema.safeParse({ currency: ['usd'] }).success).toBe(true);
  });
});

describe('findTeamMembers', () => {
  it("returns the team's members among the ids, so the others can be named", async () => {
    const { prisma } = fixture.db;
    const mine = await prisma.member.create({
      data: { teamId: fixture.teamId, email: 'a@example.com', dataScope: { currency: ['eur'] } },
    });
    const theirs = await prisma.member.create({ data: { teamId: fixture.otherTeamId, email: 'b@example.com' } });
    const found = await findTeamMembers(prisma, fixture.teamId, [
      mine.id,
      theirs.id,
      '00000000-0000-4000-8000-000000000000',
      'not-a-uuid',
    ]);
    expect(found.map((member) => member.id)).toEqual([mine.id]);
    expect(found[0]).toMatchObject({ email: 'a@example.com', dataScope: { currency: ['eur'] } });
  });

  it('a run made for a member stores who it is for and its scope; deleting the member keeps the run', async () => {
    const { prisma } = fixture.db;
    const member = await prisma.member.create({ data: { teamId: fixture.teamId, email: 'c@example.com' } });
    const run = await createReportRun(prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance_change_from_activity.itemized.1',
      reportName: 'Itemized',
      reportParameters: { interval_start: '2025-01-01T00:00:00.000Z', interval_end: '2025-02-01T00:00:00.000Z' },
      resultOptions: { compress_file: false },
      timeoutSeconds: 60,
      createdBy: 'key_test',
      userId: member.id,
      dataScope: { currency: ['usd'] },
    });
    expect(run).toMatchObject({ userId: member.id, dataScope: { currency: ['usd'] }, summary: null });
    await prisma.member.delete({ where: { id: member.id } });
    const stored = await prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored).toMatchObject({ userId: null, dataScope: { currency: ['usd'] } });
  });
});
