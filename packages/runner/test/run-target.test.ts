import { describe, expect, it } from 'vitest';
import { savedQuerySchema } from '@reportrun/core';
import { createApiKey, createDatabase, createSavedReport, createTeam } from '@reportrun/db';
import { resolveSavedQuery } from '@reportrun/reports';
import { useTestFixture } from '@reportrun/testing';
import { compileRunTarget, ReportNotFound, resolveRunTarget } from '../src/index.ts';

const fixture = useTestFixture({ database: { createDatabase, createTeam, createApiKey }, team: 'Runner team', otherTeam: true });

const definition = resolveSavedQuery(
  savedQuerySchema.parse({
    dataset: 'balance_transactions',
    time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    dimensions: [{ field: 'currency' }],
    measures: [{ aggregate: 'count' }],
  }),
).normalized;

const options = { format: 'csv', escapeFormulas: true } as const;

describe('what a run runs is decided in one place', () => {
  it('a catalog report id resolves to the catalog and compiles with the run’s parameters', async () => {
    const run = {
      reportId: 'balance_change_from_activity.itemized.1',
      teamId: fixture.teamId,
      livemode: false,
      reportParameters: { interval_start: '2025-01-01T00:00:00.000Z', interval_end: '2025-02-01T00:00:00.000Z' },
      dataScope: null,
      createdAt: new Date(),
    };
    const target = await resolveRunTarget(fixture.db.prisma, run);
    expect(target.kind).toBe('catalog');
    expect(compileRunTarget(target, run, options).sql).toMatch(/balance_transactions/);
  });

  it('a saved report resolves in the run’s own team and mode', async () => {
    const saved = await createSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, { name: 'By currency', definition });
    const target = await resolveRunTarget(fixture.db.prisma, { reportId: saved.id, teamId: fixture.teamId, livemode: false });
    expect(target).toMatchObject({ kind: 'saved', report: { id: saved.id } });
    expect(compileRunTarget(target, { reportParameters: {}, dataScope: null, createdAt: new Date() }, options).sql).toMatch(/currency/);
  });

  it('another team’s saved report, or one of the other mode, is not found', async () => {
    const saved = await createSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, { name: 'Private', definition });
    await expect(resolveRunTarget(fixture.db.prisma, { reportId: saved.id, teamId: fixture.otherTeamId, livemode: false })).rejects.toBeInstanceOf(
      ReportNotFound,
    );
    await expect(resolveRunTarget(fixture.db.prisma, { reportId: saved.id, teamId: fixture.teamId, livemode: true })).rejects.toBeInstanceOf(ReportNotFound);
  });

  it('a report that left the catalog is not found, with the stable code report_not_found', async () => {
    const error = await resolveRunTarget(fixture.db.prisma, { reportId: 'balance_change_from_activity.retired.1', teamId: fixture.teamId, livemode: false }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ReportNotFound);
    expect(error).toMatchObject({ code: 'report_not_found' });
  });
});
