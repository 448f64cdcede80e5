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
}

export interface Storage {
  s3: S3Client;
  /**
   * Signs download URLs (never sends a request, so it holds no sockets): the same client as
   * `s3` unless the public endpoint differs from the one the processes use.
   */
  signer: S3Client;
  bucket: string;
}

export function createStorage(settings: StorageSettings): Storage {
  const clientFor = (endpoint: string | undefined) =>
    new S3Client({
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      ...(endpoint ? { endpoint } : {}),
      // Path-style addressing and checksums only when an operation requires them keep the same
      // client working against AWS S3, MinIO and the loopback server used in development.
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const s3 = clientFor(settings.endpoint);
  const publicEndpoint = settings.publicEndpoint ?? settings.endpoint;
  const signer = publicEndpoint === settings.endpoint ? s3 : clientFor(publicEndpoint);
  return { s3, signer, bucket: settings.bucket };
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
  });
}
