import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@reportrun/config';

export interface StorageSettings {
  endpoint?: string | undefined;
  /** The host download URLs are signed for, when clients reach storage by another name; defaults to `endpoint`. */
  publicEndpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** How an upload's bytes are protected; see `PayloadSigning`. Default `checksum`. */
  payloadSigning?: PayloadSigning | undefined;
}

/**
 * `checksum`: each upload request carries the CRC-32 of its bytes (`x-amz-checksum-crc32`, which
 * the server recomputes and refuses on mismatch) and is signed as `UNSIGNED-PAYLOAD`.
 * `sha256`: the SHA-256 of the bytes is part of the signature, for S3-compatible servers that do
 * not check checksum headers (Ceph before 19) reached over a network without TLS.
 */
export type PayloadSigning = 'checksum' | 'sha256';

export interface Storage {
  s3: S3Client;
  /**
   * Signs download URLs (never sends a request, so it holds no sockets): the same client as
   * `s3` unless the public endpoint differs from the one the processes use.
   */
  signer: S3Client;
  bucket: string;
  payloadSigning: PayloadSigning;
}

/** The only requests whose payload is large: a file's bytes on their way into the bucket. */
const uploadCommands = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * An upload whose bytes carry a checksum header (payload signing `checksum`) is signed with
 * `UNSIGNED-PAYLOAD` instead of a SHA-256 of its body: the signature still authenticates the request, the checksum still guards every
 * byte, and the worker no longer runs SHA-256 over every exported byte (it cost about a tenth
 * of a CSV export's CPU; CRC-32 is native and far cheaper). The AWS CLI signs S3 uploads over
 * HTTPS the same way.
 */
function signUploadsByChecksum(client: S3Client): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      if (
        uploadCommands.has(context.commandName ?? '') &&
        request?.headers &&
        Object.keys(request.headers).some((name) => name.toLowerCase().startsWith('x-amz-checksum-'))
      ) {
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      }
      return next(args);
    },
    // Low priority: after the SDK's checksum middleware has set the header, before signing.
    { step: 'build', priority: 'low', name: 'signUploadsByChecksum' },
  );
}

export function createStorage(settings: StorageSettings): Storage {
  const clientFor = (endpoint: string | undefined) => {
    const client = new S3Client({
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      ...(endpoint ? { endpoint } : {}),
      // Path-style addressing and checksums only when an operation requires them keep the same
      // client working against AWS S3, MinIO and the loopback server used in development.
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    signUploadsByChecksum(client);
    return client;
  };
  const s3 = clientFor(settings.endpoint);
  const publicEndpoint = settings.publicEndpoint ?? settings.endpoint;
  const signer = publicEndpoint === settings.endpoint ? s3 : clientFor(publicEndpoint);
  return { s3, signer, bucket: settings.bucket, payloadSigning: settings.payloadSigning ?? 'checksum' };
}

/** Resolves when the bucket answers; for readiness probes (the signal bounds the wait). */
export async function checkBucket(storage: Storage, signal?: AbortSignal): Promise<void> {
  await storage.s3.send(new HeadBucketCommand({ Bucket: storage.bucket }), signal ? { abortSignal: signal } : {});
}

/** Creates the bucket when it is missing; a no-op where it exists. */
export async function ensureBucket(storage: Storage): Promise<void> {
  try {
    await storage.s3.send(new HeadBucketCommand({ Bucket: storage.bucket }));
  } catch {
    try {
      await storage.s3.send(new CreateBucketCommand({ Bucket: storage.bucket }));
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
    }
  }
}

export function createStorageFromConfig(config: Config): Storage {
  return createStorage({
    endpoint: config.S3_ENDPOINT,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET,
    accessKeyId: config.S3_ACCESS_KEY_ID,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY,
    payloadSigning: config.S3_PAYLOAD_SIGNING,
  });
}
