// archiver 8 ships ES classes without type declarations; this covers what the worker uses.
declare module 'archiver' {
  import type { Readable, Transform } from 'node:stream';

  export interface ArchiverOptions {
    zlib?: { level?: number };
    forceZip64?: boolean;
  }

  export class ZipArchive extends Transform {
    constructor(options?: ArchiverOptions);
    append(source: Readable | Buffer | string, data: { name: string; date?: Date }): this;
    finalize(): Promise<void>;
    abort(): this;
    pointer(): number;
  }
}
