/**
 * Object keys: one folder per team and run, so retention and audits work by prefix, and one
 * per attempt, so an attempt that loses a race (a stalled worker coming back, a re-enqueued
 * run) can only ever delete its own file, never the winner's.
 *
 * The builder and the parser below are the only two places that know this layout; keep them
 * side by side so they cannot drift.
 */
export function runResultKey(teamId: string, runId: string, attempt: number, filename: string): string {
  return `teams/${teamId}/report_runs/${runId}/attempt-${attempt}/${filename}`;
}

export function runResultPrefix(teamId: string, runId: string): string {
  return `teams/${teamId}/report_runs/${runId}/`;
}

/** The prefix every run's result lives under, for sweeps over all runs of all teams. */
export const runResultsRoot = 'teams/';

export interface RunResultKeyParts {
  teamId: string;
  runId: string;
  attempt: number;
  filename: string;
}

// Segments are never empty and never contain a slash; the filename is the rest of the key.
const runResultKeyPattern = /^teams\/([^/]+)\/report_runs\/([^/]+)\/attempt-([1-9][0-9]{0,8})\/(.+)$/;

/**
 * The run and attempt a result key belongs to, or null for a key that is not laid out by
 * `runResultKey` (such keys are none of a sweep's business and must be left alone).
 */
export function parseRunResultKey(key: string): RunResultKeyParts | null {
  const match = runResultKeyPattern.exec(key);
  if (!match) return null;
  const [, teamId, runId, attempt, filename] = match;
  return { teamId: teamId!, runId: runId!, attempt: Number(attempt), filename: filename! };
}
