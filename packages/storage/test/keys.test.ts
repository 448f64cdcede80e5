import { describe, expect, it } from 'vitest';
import { parseRunResultKey, runResultKey, runResultPrefix, runResultsRoot } from '../src/index.ts';

describe('result key layout', () => {
  it('a key built for a run and attempt parses back to that run and attempt', () => {
    const key = runResultKey('team_1', 'reprun_2', 3, 'balance.summary.1-reprun_2.csv');
    expect(key.startsWith(runResultsRoot)).toBe(true);
    expect(key.startsWith(runResultPrefix('team_1', 'reprun_2'))).toBe(true);
    expect(parseRunResultKey(key)).toEqual({
      teamId: 'team_1',
      runId: 'reprun_2',
      attempt: 3,
      filename: 'balance.summary.1-reprun_2.csv',
    });
  });

  it('keys not laid out for a run result are not mistaken for one', () => {
    for (const key of [
      'teams/team_1/report_runs/reprun_2/report.csv',
      'teams/team_1/report_runs/reprun_2/attempt-0/report.csv',
      'teams/team_1/report_runs/reprun_2/attempt-x/report.csv',
      'teams/team_1/report_runs/reprun_2/attempt-1/',
      'teams//report_runs/reprun_2/attempt-1/report.csv',
      'teams/team_1/exports/reprun_2/attempt-1/report.csv',
      'other/teams/team_1/report_runs/reprun_2/attempt-1/report.csv',
    ]) {
      expect(parseRunResultKey(key), key).toBeNull();
    }
  });
});
