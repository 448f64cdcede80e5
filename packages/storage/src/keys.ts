/**
 * Object keys: one folder per team and run, so retention and audits work by prefix, and one
 * per attempt, so an attempt that loses a race (a stalled worker coming back, a re-enqueued
 * run) can only ever delete its own file, never the winner's.
 */
export function runResultKey(teamId: string, runId: string, attempt: number, filename: string): string {
  return `teams/${teamId}/report_runs/${runId}/attempt-${attempt}/${filename}`;
}

export function runResultPrefix(teamId: string, runId: string): string {
  return `teams/${teamId}/report_runs/${runId}/`;
}
