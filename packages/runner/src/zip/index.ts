export { zipEntryStream, type ZipEntryStreamOptions } from './zip-entry-stream.ts';
export { DeflatePool, sharedDeflatePool } from './deflate-pool.ts';
export { crc32Combine } from './crc32-combine.ts';

/** zlib's default level: what archiver used, and what the benchmark's reference ZIP uses. */
export const zipLevel = 6;
