import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Error } from './errors.ts';
import type { VerifiedRequest } from './signature.ts';

/**
 * A request body as the signature and the integrity headers describe it. The body streams
 * through once; hashes are computed on the way, and `verify()` (after the body is consumed and
 * before anything it wrote becomes visible) refuses it when a hash, the decoded length or a
 * checksum does not match.
 */
export interface Payload {
  body: Readable;
  verify(): { md5: Buffer; size: number };
}

const supportedStreaming = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/**
 * Checksums the SDKs send (header or aws-chunked trailer) that node can compute. CRC32C and
 * CRC64NVME are accepted unchecked: they guard against corruption, not forgery, and the
 * signature already covers who sent the request.
 */
type ChecksumName = 'crc32' | 'sha1' | 'sha256';
const checkedChecksums: ChecksumName[] = ['crc32', 'sha1', 'sha256'];

class Crc32 {
  private value = 0;
  update(chunk: Buffer) {
    this.value = crc32(chunk, this.value);
  }
  digestBase64(): string {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(this.value >>> 0);
    return bytes.toString('base64');
  }
}

export function openPayload(request: IncomingMessage, verified: VerifiedRequest): Payload {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  const payloadHash = verified.payloadHash;
  const streaming = payloadHash.startsWith('STREAMING-');
  if (streaming && payloadHash !== supportedStreaming) {
    throw new S3Error(501, 'NotImplemented', `x-amz-content-sha256 ${payloadHash} is not supported by this server; send ${supportedStreaming} or a payload hash.`);
  }
  if (!streaming && payloadHash !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payloadHash)) {
    throw new S3Error(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER or a valid sha256 value.');
  }
  const decoder = streaming ? new AwsChunkedDecoder() : undefined;
  const announcedTrailer = header('x-amz-trailer')?.trim().toLowerCase();

  const md5 = createHash('md5');
  const sha256 = /^[0-9a-f]{64}$/.test(payloadHash) ? createHash('sha256') : undefined;
  const checksumName = checkedChecksums.find(
    (name) => header(`x-amz-checksum-${name}`) !== undefined || announcedTrailer === `x-amz-checksum-${name}`,
  );
  const checksum: Hash | Crc32 | undefined =
    checksumName === 'crc32' ? new Crc32() : checksumName ? createHash(checksumName) : undefined;
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      md5.update(chunk);
      sha256?.update(chunk);
      checksum?.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const body = new PassThrough();
  const onError = (error: NodeJS.ErrnoException | null) => {
    if (error) body.destroy(error);
  };
  // The request is piped rather than put in the pipeline: a refused body must not destroy the
  // socket, or the client would see a reset instead of the error document.
  const first = decoder ?? meter;
  request.once('error', (error) => first.destroy(error));
  request.pipe(first);
  if (decoder) pipeline(decoder, meter, body, onError);
  else pipeline(meter, body, onError);

  return {
    body,
    verify() {
      if (decoder) {
        const declared = header('x-amz-decoded-content-length');
        if (declared !== undefined && Number(declared) !== size) {
          throw new S3Error(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header.');
        }
      }
      if (sha256 && sha256.digest('hex') !== payloadHash) {
        throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
      const digest = md5.digest();
      const contentMd5 = header('content-md5');
      if (contentMd5 !== undefined && contentMd5 !== digest.toString('base64')) {
        throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
      }
      if (checksumName && checksum) {
        const expected = header(`x-amz-checksum-${checksumName}`) ?? decoder?.trailers.get(`x-amz-checksum-${checksumName}`);
        if (expected === undefined) {
          throw new S3Error(400, 'InvalidRequest', `The x-amz-checksum-${checksumName} trailer was announced but not sent.`);
        }
        const actual = checksum instanceof Crc32 ? checksum.digestBase64() : checksum.digest('base64');
        if (expected !== actual) {
          throw new S3Error(400, 'BadDigest', `The ${checksumName.toUpperCase()} you specified did not match the calculated checksum.`);
        }
      }
      return { md5: digest, size };
    },
  };
}

/** Reads a small body whole (an XML document), verified. */
export async function readSmallPayload(request: IncomingMessage, verified: VerifiedRequest, limit = 2 * 1024 * 1024): Promise<Buffer> {
  const payload = openPayload(request, verified);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of payload.body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > limit) {
      payload.body.destroy();
      throw new S3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
    }
    chunks.push(chunk);
  }
  payload.verify();
  return Buffer.concat(chunks);
}

/**
 * Decodes `Content-Encoding: aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<data>\r\n`
 * repeated, a zero-size chunk, then trailer lines (`x-amz-checksum-crc32:…`) and an empty line.
 * Data passes through without copying; only the short framing lines are buffered.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';
  private line: Buffer = Buffer.alloc(0);
  private remaining = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.push(chunk.subarray(offset, offset + take));
        offset += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') return callback(incompleteBody('data after the final chunk'));
      const newline = chunk.indexOf(0x0a, offset);
      if (newline === -1) {
        this.line = Buffer.concat([this.line, chunk.subarray(offset)]);
        if (this.line.length > 8192) return callback(incompleteBody('a chunk header is too long'));
        break;
      }
      const text = Buffer.concat([this.line, chunk.subarray(offset, newline)]).toString('latin1').replace(/\r$/, '');
      this.line = Buffer.alloc(0);
      offset = newline + 1;
      const problem = this.takeLine(text);
      if (problem) return callback(incompleteBody(problem));
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    callback(this.state === 'done' ? null : incompleteBody('the body ended before its final chunk'));
  }

  private takeLine(text: string): string | undefined {
    switch (this.state) {
      case 'size': {
        const match = /^([0-9a-fA-F]{1,16})(;.*)?$/.exec(text);
        if (!match) return 'a chunk size is malformed';
        const size = parseInt(match[1]!, 16);
        if (size === 0) this.state = 'trailer';
        else {
          this.remaining = size;
          this.state = 'data';
        }
        return undefined;
      }
      case 'data-end':
        if (text !== '') return 'a chunk is longer than its size';
        this.state = 'size';
        return undefined;
      case 'trailer': {
        if (text === '') {
          this.state = 'done';
          return undefined;
        }
        const colon = text.indexOf(':');
        if (colon <= 0) return 'a trailer is malformed';
        this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
        return undefined;
      }
      default:
        return 'unexpected framing';
    }
  }
}

function incompleteBody(detail: string): S3Error {
  return new S3Error(400, 'IncompleteBody', `The aws-chunked body is malformed: ${detail}.`);
}
