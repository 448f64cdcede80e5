import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DeflatePool } from './deflate-pool.ts';
import { ParallelDeflate, type DeflateSummary } from './parallel-deflate.ts';

export interface ZipEntryStreamOptions {
  /** The name of the one file in the archive. */
  name: string;
  modifiedAt: Date;
  level: number;
  pool: DeflatePool;
  blockSize?: number;
}

const utf8NameFlag = 0x0800;
const dataDescriptorFlag = 0x0008;
const deflateMethod = 8;
const unixFileMode = 0o100644;
const madeByUnix = 3 << 8;
const uint32Max = 0xffffffff;

/**
 * A ZIP archive of one file, written as the file streams in: local header, the deflate stream
 * (compressed in parallel), a data descriptor with the CRC and sizes, the central directory.
 * ZIP64 records are added when a size reaches 4 GiB. The output is a pure function of the
 * input, the name and the date, so the same rows always make the same archive.
 */
export function zipEntryStream(source: Readable, options: ZipEntryStreamOptions): { archive: Readable; done: Promise<void> } {
  const archive = new PassThrough();
  const name = Buffer.from(options.name, 'utf8');
  const { time, date } = dosDateTime(options.modifiedAt);
  const flags = utf8NameFlag | dataDescriptorFlag;
  const deflate = new ParallelDeflate({
    pool: options.pool,
    level: options.level,
    ...(options.blockSize ? { blockSize: options.blockSize } : {}),
  });
  archive.write(localHeader(name, flags, time, date));
  const done = pipeline(source, deflate, archive, { end: false }).then(() => {
    archive.end(trailer(name, flags, time, date, deflate.summary));
  });
  // The caller learns of a failure through `done`; destroying the archive tells its reader.
  done.catch((error: unknown) => archive.destroy(error instanceof Error ? error : new Error(String(error))));
  return { archive, done };
}

function localHeader(name: Buffer, flags: number, time: number, date: number): Buffer {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4); // version needed: deflate
  header.writeUInt16LE(flags, 6);
  header.writeUInt16LE(deflateMethod, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  // CRC and sizes are unknown until the end: zero here, in the data descriptor (flag bit 3).
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, name]);
}

function trailer(name: Buffer, flags: number, time: number, date: number, summary: DeflateSummary): Buffer {
  const { crc, uncompressedSize, compressedSize } = summary;
  const zip64 = uncompressedSize >= uint32Max || compressedSize >= uint32Max;
  const versionNeeded = zip64 ? 45 : 20;
  const localHeaderLength = 30 + name.length;

  // Data descriptor: 8-byte sizes in a ZIP64 archive, as zip readers then expect.
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(crc, 4);
  if (zip64) {
    descriptor.writeBigUInt64LE(BigInt(compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(uncompressedSize), 16);
  } else {
    descriptor.writeUInt32LE(compressedSize, 8);
    descriptor.writeUInt32LE(uncompressedSize, 12);
  }

  const extra = zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
  if (zip64) {
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(16, 2);
    extra.writeBigUInt64LE(BigInt(uncompressedSize), 4);
    extra.writeBigUInt64LE(BigInt(compressedSize), 12);
  }
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(madeByUnix | versionNeeded, 4);
  central.writeUInt16LE(versionNeeded, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(deflateMethod, 10);
  central.writeUInt16LE(time, 12);
  central.writeUInt16LE(date, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(zip64 ? uint32Max : compressedSize, 20);
  central.writeUInt32LE(zip64 ? uint32Max : uncompressedSize, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(extra.length, 30);
  central.writeUInt32LE((unixFileMode << 16) >>> 0, 38);
  central.writeUInt32LE(0, 42); // the only entry starts the archive
  const centralDirectory = Buffer.concat([central, name, extra]);

  const centralOffset = localHeaderLength + compressedSize + descriptor.length;
  const records: Buffer[] = [descriptor, centralDirectory];
  const needsZip64End = zip64 || centralOffset >= uint32Max;
  if (needsZip64End) {
    const end64 = Buffer.alloc(56);
    end64.writeUInt32LE(0x06064b50, 0);
    end64.writeBigUInt64LE(44n, 4);
    end64.writeUInt16LE(madeByUnix | 45, 12);
    end64.writeUInt16LE(45, 14);
    end64.writeBigUInt64LE(1n, 24);
    end64.writeBigUInt64LE(1n, 32);
    end64.writeBigUInt64LE(BigInt(centralDirectory.length), 40);
    end64.writeBigUInt64LE(BigInt(centralOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(centralOffset + centralDirectory.length), 8);
    locator.writeUInt32LE(1, 16);
    records.push(end64, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(needsZip64End ? uint32Max : centralOffset, 16);
  records.push(end);
  return Buffer.concat(records);
}

/** MS-DOS date and time, in UTC (a ZIP has no time zone; the service's clocks are UTC). */
function dosDateTime(moment: Date): { time: number; date: number } {
  const year = Math.max(1980, moment.getUTCFullYear());
  return {
    time: (moment.getUTCHours() << 11) | (moment.getUTCMinutes() << 5) | Math.floor(moment.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((moment.getUTCMonth() + 1) << 5) | moment.getUTCDate(),
  };
}
