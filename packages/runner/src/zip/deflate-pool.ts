import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

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

// The worker's code travels as a string (eval) rather than as a file next to this one: the
// package runs both from TypeScript source and from compiled JavaScript, and a worker file
// would need a different name and loader in each. It is plain JavaScript on purpose.
const workerSource = `
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');
// Each block leaves zlib's output chunks behind on this thread's heap and almost nothing else,
// so V8 would collect them only once 64 MB of them had piled up, per thread (measured: about
// 30 MB per thread in a 10M-row export, which the process then keeps at its high-water mark).
// A full collection every 32 blocks keeps the pile at a few MB (every 8 cost a ZIP export about
// 4% of its speed, measured at 2M rows); on a heap this small one takes a few milliseconds.
// gc() is reachable only through V8's flag, set before this thread makes the context it is
// taken from.
require('node:v8').setFlagsFromString('--expose-gc');
const collectGarbage = require('node:vm').runInNewContext('gc');
const blocksPerCollection = 32;
let blocksSinceCollection = 0;
parentPort.on('message', ({ id, input, dictionary, level, last }) => {
  try {
    const options = { level };
    if (dictionary) options.dictionary = dictionary;
    // A sync flush ends the block on a byte boundary with an empty stored block and no final
    // bit, so the next block's output can simply follow it.
    if (!last) options.finishFlush = zlib.constants.Z_SYNC_FLUSH;
    const deflated = zlib.deflateRawSync(input, options);
    const crc = zlib.crc32(input);
    // Free the block now: this thread allocates almost nothing on its own heap, so its garbage
    // collector runs rarely and would let dead blocks pile up (V8 waits for 64 MB of them).
    input.buffer.transfer(0);
    if (dictionary) dictionary.buffer.transfer(0);
    // Only a buffer that owns its memory may be transferred; a pooled slice is copied.
    const output = deflated.byteOffset === 0 && deflated.byteLength === deflated.buffer.byteLength ? deflated : new Uint8Array(deflated);
    parentPort.postMessage({ id, output, crc }, [output.buffer]);
    blocksSinceCollection += 1;
    if (blocksSinceCollection >= blocksPerCollection) {
      blocksSinceCollection = 0;
      collectGarbage();
    }
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

interface Pending {
  id: number;
  job: DeflateJob;
  resolve(block: DeflatedBlock): void;
  reject(error: Error): void;
}

interface PoolThread {
  worker: Worker;
  current: Pending | null;
}

/**
 * A fixed set of worker threads that deflate blocks, shared by every export of the process:
 * concurrent runs share the machine's cores instead of each starting its own threads. Idle
 * threads are unref'd so they never keep a process alive.
 */
export class DeflatePool {
  private readonly threads: PoolThread[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;

  constructor(readonly size: number) {}

  deflate(job: DeflateJob): Promise<DeflatedBlock> {
    return new Promise<DeflatedBlock>((resolve, reject) => {
      this.queue.push({ id: (this.nextId += 1), job, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let thread = this.threads.find((candidate) => candidate.current === null);
      if (!thread && this.threads.length < this.size) thread = this.spawn();
      if (!thread) return;
      const pending = this.queue.shift()!;
      thread.current = pending;
      thread.worker.ref();
      const { input, dictionary, level, last } = pending.job;
      // The block is not used again here: hand its memory over instead of copying it.
      const transfer = ownsBuffer(input) ? [input.buffer as ArrayBuffer] : [];
      thread.worker.postMessage({ id: pending.id, input, dictionary, level, last }, transfer);
    }
  }

  private spawn(): PoolThread {
    const thread: PoolThread = { worker: new Worker(workerSource, { eval: true }), current: null };
    thread.worker.unref();
    thread.worker.on('message', (message: { id: number; output?: Uint8Array; crc?: number; error?: string }) => {
      const pending = thread.current;
      thread.current = null;
      thread.worker.unref();
      if (pending) {
        if (message.error !== undefined || !message.output) pending.reject(new Error(`deflate failed: ${message.error}`));
        else pending.resolve({ output: message.output, crc: message.crc! });
      }
      this.dispatch();
    });
    // A thread that dies takes its block with it: fail that block's export, replace the thread.
    const onExit = (error: Error) => {
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      thread.current?.reject(error);
      thread.current = null;
      this.dispatch();
    };
    thread.worker.on('error', onExit);
    thread.worker.on('exit', (code) => onExit(new Error(`deflate thread exited with code ${code}`)));
    this.threads.push(thread);
    return thread;
  }
}

function ownsBuffer(view: Uint8Array): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && view.buffer instanceof ArrayBuffer;
}

let shared: DeflatePool | undefined;

/** The process's pool, one thread per core the process may use. */
export function sharedDeflatePool(): DeflatePool {
  shared ??= new DeflatePool(Math.max(1, availableParallelism()));
  return shared;
}
