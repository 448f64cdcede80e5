import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { S3Error, noSuchBucket, noSuchKey, noSuchUpload } from './errors.ts';

/**
 * Buckets, objects and multipart uploads on disk, so large files never sit in memory and a
 * server restarted on the same directory finds everything it had, pending uploads included.
 *
 *   <root>/<bucket>/objects/<key hash>.json      an object's metadata (its key, size, ETag, …)
 *   <root>/<bucket>/objects/<key hash>-<n>.data  its bytes; a new name per write, so a reader
 *                                                holding the old file is never cut short
 *   <root>/<bucket>/uploads/<upload id>/upload.json, <part>.json, <part>-<n>.data
 *   <root>/<bucket>/tmp/                         bodies being received, moved in when verified
 *
 * Metadata is also kept in memory (loaded at start) so listings need no directory walk.
 */

export interface Headers {
  contentType: string;
  contentDisposition?: string | undefined;
  contentEncoding?: string | undefined;
  cacheControl?: string | undefined;
  metadata: Record<string, string>;
}

export interface ObjectMeta extends Headers {
  key: string;
  size: number;
  /** Without quotes: hex MD5, or MD5-of-MD5s-N for a multipart upload. */
  etag: string;
  lastModified: string;
  dataFile: string;
}

export interface UploadMeta extends Headers {
  uploadId: string;
  key: string;
  initiated: string;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: string;
  dataFile: string;
}

interface Upload {
  meta: UploadMeta;
  parts: Map<number, PartMeta>;
  /** Set while CompleteMultipartUpload assembles it; abort and new parts then wait their turn. */
  completing: boolean;
}

export interface Bucket {
  name: string;
  created: string;
  objects: Map<string, ObjectMeta>;
  uploads: Map<string, Upload>;
}

/** S3's rule for bucket names; it also keeps names safe as directory names. */
const bucketNamePattern = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** S3's smallest part, for every part but the last. */
export const minimumPartSize = 5 * 1024 * 1024;

const copyChunkSize = 1024 * 1024;
const keyHash = (key: string) => createHash('sha256').update(key).digest('hex');
const uniqueSuffix = () => randomBytes(6).toString('hex');

export class ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  /** Metadata commits run one at a time, so the file on disk always matches memory. */
  private commits: Promise<unknown> = Promise.resolve();

  private constructor(readonly root: string) {}

  static async open(root: string): Promise<ObjectStore> {
    const store = new ObjectStore(root);
    await mkdir(root, { recursive: true });
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (entry.isDirectory() && bucketNamePattern.test(entry.name)) await store.loadBucket(entry.name);
    }
    return store;
  }

  private async loadBucket(name: string): Promise<void> {
    const directory = join(this.root, name);
    const created = (await stat(directory)).birthtime.toISOString();
    const bucket: Bucket = { name, created, objects: new Map(), uploads: new Map() };
    await rm(join(directory, 'tmp'), { recursive: true, force: true });
    for (const file of await readdirOrEmpty(join(directory, 'objects'))) {
      if (!file.endsWith('.json')) continue;
      const meta = JSON.parse(await readFile(join(directory, 'objects', file), 'utf8')) as ObjectMeta;
      bucket.objects.set(meta.key, meta);
    }
    for (const uploadId of await readdirOrEmpty(join(directory, 'uploads'))) {
      const uploadDirectory = join(directory, 'uploads', uploadId);
      const meta = JSON.parse(await readFile(join(uploadDirectory, 'upload.json'), 'utf8').catch(() => 'null')) as UploadMeta | null;
      if (!meta) continue;
      const parts = new Map<number, PartMeta>();
      for (const file of await readdirOrEmpty(uploadDirectory)) {
        if (!/^\d+\.json$/.test(file)) continue;
        const part = JSON.parse(await readFile(join(uploadDirectory, file), 'utf8')) as PartMeta;
        parts.set(part.partNumber, part);
      }
      bucket.uploads.set(uploadId, { meta, parts, completing: false });
    }
    this.buckets.set(name, bucket);
  }

  bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw noSuchBucket();
    return bucket;
  }

  listBuckets(): Bucket[] {
    return [...this.buckets.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async createBucket(name: string): Promise<void> {
    if (!bucketNamePattern.test(name) || name.includes('..')) {
      throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.');
    }
    if (this.buckets.has(name)) {
      throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
    }
    await mkdir(join(this.root, name, 'objects'), { recursive: true });
    this.buckets.set(name, { name, created: new Date().toISOString(), objects: new Map(), uploads: new Map() });
  }

  async deleteBucket(name: string): Promise<void> {
    const bucket = this.bucket(name);
    if (bucket.objects.size > 0 || bucket.uploads.size > 0) {
      throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
    }
    this.buckets.delete(name);
    await rm(join(this.root, name), { recursive: true, force: true });
  }

  /** Streams a body into the bucket's temporary area; the caller verifies it, then commits. */
  async receive(bucket: Bucket, body: Readable): Promise<string> {
    const directory = join(this.root, bucket.name, 'tmp');
    await mkdir(directory, { recursive: true });
    const path = join(directory, uniqueSuffix());
    try {
      await pipeline(body, createWriteStream(path));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return path;
  }

  async discard(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  getObject(bucket: Bucket, key: string): ObjectMeta {
    const meta = bucket.objects.get(key);
    if (!meta) throw noSuchKey();
    return meta;
  }

  /** Opens an object's bytes (`end` inclusive, as in HTTP ranges). */
  readObject(bucket: Bucket, meta: ObjectMeta, range?: { start: number; end: number }): Readable {
    return createReadStream(join(this.root, bucket.name, 'objects', meta.dataFile), range ?? {});
  }

  async putObject(
    bucket: Bucket,
    key: string,
    received: string,
    fields: Headers & { size: number; etag: string },
  ): Promise<ObjectMeta> {
    const hash = keyHash(key);
    const meta: ObjectMeta = { ...fields, key, lastModified: new Date().toISOString(), dataFile: `${hash}-${uniqueSuffix()}.data` };
    const objects = join(this.root, bucket.name, 'objects');
    await mkdir(objects, { recursive: true });
    await rename(received, join(objects, meta.dataFile));
    await this.commit(async () => {
      const previous = bucket.objects.get(key);
      await writeJson(join(objects, `${hash}.json`), meta);
      bucket.objects.set(key, meta);
      if (previous) await rm(join(objects, previous.dataFile), { force: true });
    });
    return meta;
  }

  async deleteObject(bucket: Bucket, key: string): Promise<void> {
    const objects = join(this.root, bucket.name, 'objects');
    await this.commit(async () => {
      const previous = bucket.objects.get(key);
      if (!previous) return;
      bucket.objects.delete(key);
      await rm(join(objects, `${keyHash(key)}.json`), { force: true });
      await rm(join(objects, previous.dataFile), { force: true });
    });
  }

  async createUpload(bucket: Bucket, key: string, headers: Headers): Promise<UploadMeta> {
    const uploadId = `${Date.now().toString(36)}${randomBytes(12).toString('hex')}`;
    const meta: UploadMeta = { ...headers, uploadId, key, initiated: new Date().toISOString() };
    const directory = join(this.root, bucket.name, 'uploads', uploadId);
    await mkdir(directory, { recursive: true });
    await writeJson(join(directory, 'upload.json'), meta);
    bucket.uploads.set(uploadId, { meta, parts: new Map(), completing: false });
    return meta;
  }

  upload(bucket: Bucket, key: string, uploadId: string): Upload {
    const upload = bucket.uploads.get(uploadId);
    if (!upload || upload.meta.key !== key || upload.completing) throw noSuchUpload();
    return upload;
  }

  async putPart(bucket: Bucket, upload: Upload, partNumber: number, received: string, fields: { size: number; etag: string }): Promise<PartMeta> {
    const directory = join(this.root, bucket.name, 'uploads', upload.meta.uploadId);
    const part: PartMeta = { ...fields, partNumber, lastModified: new Date().toISOString(), dataFile: `${partNumber}-${uniqueSuffix()}.data` };
    await this.commit(async () => {
      // The upload may have been aborted or completed while this part was arriving.
      if (bucket.uploads.get(upload.meta.uploadId) !== upload || upload.completing) {
        await rm(received, { force: true });
        throw noSuchUpload();
      }
      await rename(received, join(directory, part.dataFile));
      const previous = upload.parts.get(partNumber);
      await writeJson(join(directory, `${partNumber}.json`), part);
      upload.parts.set(partNumber, part);
      if (previous) await rm(join(directory, previous.dataFile), { force: true });
    });
    return part;
  }

  /** Assembles the listed parts, in order, into the object; the parts were checked by the caller. */
  async completeUpload(bucket: Bucket, upload: Upload, parts: PartMeta[], etag: string): Promise<ObjectMeta> {
    upload.completing = true;
    const directory = join(this.root, bucket.name, 'uploads', upload.meta.uploadId);
    try {
      const tmp = join(this.root, bucket.name, 'tmp');
      await mkdir(tmp, { recursive: true });
      const assembled = join(tmp, uniqueSuffix());
      // Large reads keep the copy of big parts to a few hundred system calls each.
      await pipeline(async function* () {
        for (const part of parts) yield* createReadStream(join(directory, part.dataFile), { highWaterMark: copyChunkSize });
      }, createWriteStream(assembled, { highWaterMark: copyChunkSize }));
      const { uploadId: _uploadId, initiated: _initiated, key, ...headers } = upload.meta;
      const size = parts.reduce((total, part) => total + part.size, 0);
      const meta = await this.putObject(bucket, key, assembled, { ...headers, size, etag });
      bucket.uploads.delete(upload.meta.uploadId);
      await rm(directory, { recursive: true, force: true });
      return meta;
    } catch (error) {
      upload.completing = false;
      throw error;
    }
  }

  async abortUpload(bucket: Bucket, upload: Upload): Promise<void> {
    await this.commit(async () => {
      bucket.uploads.delete(upload.meta.uploadId);
      await rm(join(this.root, bucket.name, 'uploads', upload.meta.uploadId), { recursive: true, force: true });
    });
  }

  private commit(step: () => Promise<void>): Promise<void> {
    const run = this.commits.then(step);
    this.commits = run.catch(() => undefined);
    return run;
  }
}

async function readdirOrEmpty(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Written aside and renamed, so a crash never leaves half a metadata file. */
async function writeJson(path: string, value: unknown): Promise<void> {
  const aside = `${path}.${uniqueSuffix()}.tmp`;
  await writeFile(aside, JSON.stringify(value));
  try {
    await rename(aside, path);
  } catch (error) {
    await unlink(aside).catch(() => undefined);
    throw error;
  }
}
