import { Transform, type TransformCallback } from 'node:stream';
import { crc32Combine } from './crc32-combine.ts';
import type { DeflatePool, DeflatedBlock } from './deflate-pool.ts';

/** Deflate's window: a block's dictionary is the end of the block before it. */
const windowSize = 32 * 1024;

export interface ParallelDeflateOptions {
  pool: DeflatePool;
  level: number;
  /** Input bytes per block; fixed, so the output never depends on how the input was chunked. */
  blockSize?: number;
  /** Blocks being compressed at once; bounds memory at about twice this many blocks. */
  maxInFlight?: number;
}

/** What the ZIP's headers need once the stream has ended. */
export interface DeflateSummary {
  crc: number;
  uncompressedSize: number;
  compressedSize: number;
}

/**
 * Raw deflate of its input, compressed block by block on the thread pool (pigz's scheme): each
 * block is deflated independently with the previous block's last 32 KiB as its dictionary and
 * ends with a sync flush, so the outputs, written in order, form one valid deflate stream. The
 * CRC-32 of the input is combined from the blocks' CRCs. The output is deterministic.
 */
export class ParallelDeflate extends Transform {
  readonly summary: DeflateSummary = { crc: 0, uncompressedSize: 0, compressedSize: 0 };
  private readonly pool: DeflatePool;
  private readonly level: number;
  private readonly blockSize: number;
  private readonly maxInFlight: number;
  private block: Buffer;
  private filled = 0;
  private dictionary: Uint8Array | null = null;
  private readonly inFlight: { block: Buffer; length: number; result: Promise<DeflatedBlock> }[] = [];
  /**
   * Full blocks whose deflate, and the next block's (which reads its tail as dictionary), are
   * done: reused instead of leaving a MiB of garbage per block for the collector to find.
   */
  private readonly spareBlocks: Buffer[] = [];
  /** The last block written out; free once the block after it is written too. */
  private lastWritten: Buffer | null = null;

  constructor(options: ParallelDeflateOptions) {
    super();
    this.pool = options.pool;
    this.level = options.level;
    this.blockSize = options.blockSize ?? 1024 * 1024;
    this.maxInFlight = options.maxInFlight ?? Math.max(2, options.pool.size * 2);
    this.block = Buffer.allocUnsafeSlow(this.blockSize);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      const copied = chunk.copy(this.block, this.filled, offset);
      this.filled += copied;
      offset += copied;
      if (this.filled === this.blockSize) this.submit(false);
    }
    this.drain(this.maxInFlight).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    // The last block, possibly empty, carries deflate's final-block bit.
    this.submit(true);
    this.drain(0).then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks still on the threads finish there and are dropped; nothing waits for them.
    for (const pending of this.inFlight.splice(0)) pending.result.catch(() => {});
    callback(error);
  }

  private submit(last: boolean): void {
    const block = this.block;
    const input = block.subarray(0, this.filled);
    const result = this.pool.deflate({ input, dictionary: this.dictionary, level: this.level, last });
    // Surfaced by drain() in order; an early rejection must not count as unhandled meanwhile.
    result.catch(() => {});
    this.inFlight.push({ block, length: input.length, result });
    // A view, not a copy: the block is not reused before the next block's deflate is done.
    // A block shorter than the window (only ever the last) leaves no dictionary to pass on.
    this.dictionary = input.length >= windowSize ? input.subarray(input.length - windowSize) : null;
    this.block = this.spareBlocks.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
    this.filled = 0;
  }

  /** Writes finished blocks in order until at most `limit` remain on the threads. */
  private async drain(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      const head = this.inFlight.shift()!;
      const { output, crc } = await head.result;
      const { length } = head;
      this.summary.crc = crc32Combine(this.summary.crc, crc, length);
      this.summary.uncompressedSize += length;
      this.summary.compressedSize += output.length;
      this.push(output);
      // Blocks finish in order, so the one before this has been read as dictionary for the last time.
      if (this.lastWritten) this.spareBlocks.push(this.lastWritten);
      this.lastWritten = head.block;
    }
  }
}
