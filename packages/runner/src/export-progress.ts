import { Transform } from 'node:stream';

/** How far an export has got: rows read from the query so far, bytes produced for storage so far. */
export interface ExportProgress {
  rows: number;
  bytes: number;
}

const newline = 0x0a;

/**
 * Counts the records in a `COPY … TO STDOUT (FORMAT csv)` stream by counting the line feeds
 * that end them, without parsing fields. A line feed inside a quoted field (a description
 * with a line break) is not a record end, so the counter follows one bit of state: inside or
 * outside quotes. A doubled quote (`""`) inside a field toggles twice and changes nothing,
 * which is exactly RFC 4180's escape. The state survives chunk boundaries.
 *
 * `quote` is null for JSON Lines: its COPY uses a quote byte JSON never contains, so every
 * line feed ends a record and the scan is a plain `indexOf` loop.
 */
export class RecordCounter {
  private inQuotes = false;
  private lines = 0;

  constructor(
    private readonly quote: number | null,
    /** A header line is not a record. */
    private readonly headerLines: number,
  ) {}

  get records(): number {
    return Math.max(0, this.lines - this.headerLines);
  }

  count(chunk: Buffer): void {
    const { quote } = this;
    if (quote === null) {
      for (let at = chunk.indexOf(newline); at !== -1; at = chunk.indexOf(newline, at + 1)) this.lines += 1;
      return;
    }
    let position = 0;
    while (position < chunk.length) {
      const nextQuote = chunk.indexOf(quote, position);
      if (!this.inQuotes) {
        const end = nextQuote === -1 ? chunk.length : nextQuote;
        for (let at = chunk.indexOf(newline, position); at !== -1 && at < end; at = chunk.indexOf(newline, at + 1)) {
          this.lines += 1;
        }
      }
      if (nextQuote === -1) return;
      this.inQuotes = !this.inQuotes;
      position = nextQuote + 1;
    }
  }
}

/** The counter for a COPY stream of the given file format (see copyStatementSql). */
export function recordCounterFor(format: 'csv' | 'json'): RecordCounter {
  return format === 'csv' ? new RecordCounter(0x22, 1) : new RecordCounter(null, 0);
}

/** A pass-through stage that shows each chunk to `observe` before passing it on unchanged. */
export function observeChunks(observe: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      observe(chunk);
      callback(null, chunk);
    },
  });
}
