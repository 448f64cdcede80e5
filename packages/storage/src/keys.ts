/** Object keys: one folder per team and run, so retention and audits work by prefix. */
export function runResultKey(teamId: string, runId: string, filename: string): string {
  return `teams/${teamId}/report_runs/${runId}/${filename}`;
}

export function runResultPrefix(teamId: string, runId: string): string {
  return `teams/${teamId}/report_runs/${runId}/`;
}
