import type { ReportRunResource } from '@reportrun/core';

/** Shows a running run's progress on stderr: a redrawn bar on a terminal, plain lines otherwise. */
export interface ProgressView {
  update(run: ReportRunResource): void;
  finish(): void;
}

const width = 20;

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

interface Snapshot {
  status: string;
  stage: string;
  rows: number;
  bytes: number;
  elapsedSeconds: number;
}

function snapshotOf(run: ReportRunResource, startedAt: number): Snapshot {
  const details = run.status_details;
  const file = run.result?.file;
  return {
    status: run.status,
    stage: typeof details.stage === 'string' ? details.stage : run.status,
    rows: file?.rows ?? (typeof details.rows === 'number' ? details.rows : 0),
    bytes: file?.size ?? (typeof details.bytes === 'number' ? details.bytes : 0),
    elapsedSeconds: (Date.now() - startedAt) / 1000,
  };
}

/**
 * A report's size is not known until it is done, so the terminal bar is a full bar at the end
 * and, until then, a block that moves on each update: it says "still going" without claiming a
 * percentage nobody knows.
 */
export function createProgressView(stream: NodeJS.WriteStream, { tty }: { tty: boolean }): ProgressView {
  const startedAt = Date.now();
  let frame = 0;
  let drawn = false;
  let lastLine = '';
  return {
    update(run) {
      const now = snapshotOf(run, startedAt);
      const counters = `${now.rows.toLocaleString('en-US')} rows  ${formatBytes(now.bytes)}  ${now.elapsedSeconds.toFixed(1)}s`;
      if (!tty) {
        const line = `${now.status} ${now.stage} rows=${now.rows} bytes=${now.bytes}`;
        // One line per change; elapsed time alone is not a change.
        if (line !== lastLine) stream.write(`${line} elapsed=${now.elapsedSeconds.toFixed(1)}s\n`);
        lastLine = line;
        return;
      }
      let bar: string;
      if (now.status !== 'running') bar = (now.status === 'succeeded' ? '█' : '░').repeat(width);
      else {
        const at = frame % width;
        bar = '░'.repeat(at) + '███'.slice(0, Math.min(3, width - at)) + '░'.repeat(Math.max(0, width - at - 3));
        frame += 1;
      }
      stream.write(`\r\x1b[2K${now.stage.padEnd(9)} ${bar} ${counters}`);
      drawn = true;
    },
    finish() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
