import { availableParallelism } from 'node:os';
import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

export interface DeflateJob {
  input: Uint8Array;
  /** The 32 KiB before `input`, so matches may reach back across the block boundary. */
  dictionary: Uint8Array | null;
  level: number;
  /** The stream's last block ends the deflate stream; the others end with a sync flush. */
  last: boolean;
}

export interface DeflatedBlock {
  output: Uint8Array;
  crc: number;
}

/** Output chunk size of one block's deflate: a 1 MiB block of CSV deflates to about 200 KB. */
const outputChunkSize = 64 * 1024;

interface Pending {
  job: DeflateJob;
  resolve(block: DeflatedBlock): void;
  reject(error: Error): void;
}

/**
 * Deflates blocks on libuv's thread pool (zlib's asynchronous calls), at most `size` at a time
 * for the whole process: concurrent runs share the machine's cores instead of each taking them
 * all. No worker threads: each of those was a V8 isolate whose heap (7–11 MB) and uncollected
 * output buffers raised a ZIP export's peak by tens of MB per core, while zlib's native
 * compression needs only its own state (about 300 KB per block in flight) on the pool.
 */
export class DeflatePool {
  private readonly queue: Pending[] = [];
  private running = 0;
  private closed = false;

  constructor(readonly size: number) {}

  deflate(job: DeflateJob): Promise<DeflatedBlock> {
    return new Promise<DeflatedBlock>((resolve, reject) => {
      if (this.closed) return reject(new Error('the deflate pool is closed'));
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Refuses new blocks; blocks already on the thread pool finish there. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error('the deflate pool is closed'));
  }

  private dispatch(): void {
    while (this.running < this.size && this.queue.length > 0) {
      const { job, resolve, reject } = this.queue.shift()!;
      this.running += 1;
      const options: ZlibOptions = { level: job.level, chunkSize: outputChunkSize };
      if (job.dictionary) options.dictionary = job.dictionary;
      // A sync flush ends the block on a byte boundary with an empty stored block and no final
      // bit, so the next block's output can simply follow it.
      if (!job.last) options.finishFlush = constants.Z_SYNC_FLUSH;
      // The CRC is taken here, on the calling thread, while the block is deflated on the pool:
      // zlib's CRC-32 runs at over 1 GB/s here, under a millisecond per block.
      const crc = crc32(job.input);
      deflateRaw(job.input, options, (error, output) => {
        this.running -= 1;
        if (error) reject(new Error(`deflate failed: ${error.message}`, { cause: error }));
        else resolve({ output, crc });
        this.dispatch();
      });
    }
  }
}

let shared: DeflatePool | undefined;

/**
 * The process's pool: as many blocks at once as the process has cores, but one of libuv's
 * threads (UV_THREADPOOL_SIZE, 4 unless set) always left to DNS lookups and file reads, which
 * would otherwise wait behind a block. One export deflates faster than one COPY produces on
 * two threads already.
 */
export function sharedDeflatePool(): DeflatePool {
  shared ??= new DeflatePool(Math.max(1, Math.min(availableParallelism(), libuvThreadPoolSize() - 1)));
  return shared;
}

function libuvThreadPoolSize(): number {
  return Number(process.env.UV_THREADPOOL_SIZE) || 4;
}
