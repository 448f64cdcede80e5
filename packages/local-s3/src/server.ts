import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { S3Error, malformedXml, noSuchKey } from './errors.ts';
import { ObjectStore, minimumPartSize, type Headers, type ObjectMeta, type PartMeta } from './object-store.ts';
import { openPayload, readSmallPayload } from './payload.ts';
import { decodeComponent, splitTarget, uriEncode, verifyRequest, type Credentials, type VerifiedRequest } from './signature.ts';
import { element, elements, unescapeXml, xmlDocument, type XmlNode } from './xml.ts';

export interface LocalS3 {
  endpoint: string;
  /** Where the server keeps buckets, objects and in-progress multipart uploads. */
  directory: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Closes the listener and every open connection; the directory stays unless it was a temporary one. */
  stop(): Promise<void>;
}

export interface LocalS3Options {
  /** 0 or unset picks a free port. */
  port?: number;
  /** Unset: a temporary directory, removed on stop. Given: kept, so a restart finds everything. */
  directory?: string;
  /** Created at start when missing. */
  buckets?: string[];
  accessKeyId?: string;
  secretAccessKey?: string;
}

/**
 * The credentials the service's configuration defaults to, so a process started with no S3
 * settings can talk to the server `pnpm dev` runs.
 */
const defaultCredentials: Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const owner: XmlNode[] = [
  ['ID', 'reportrun-local'],
  ['DisplayName', 'reportrun-local'],
];

/**
 * An S3-compatible server on loopback for development and tests: path-style requests, objects
 * on disk, and every request checked against AWS SigV4 for the configured credentials, as S3
 * checks it — unsigned, tampered and expired requests are refused.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'reportrun-s3-')));
  const credentials: Credentials = {
    accessKeyId: options.accessKeyId ?? defaultCredentials.accessKeyId,
    secretAccessKey: options.secretAccessKey ?? defaultCredentials.secretAccessKey,
  };
  const store = await ObjectStore.open(directory);
  for (const name of options.buckets ?? []) {
    if (!store.listBuckets().some((bucket) => bucket.name === name)) await store.createBucket(name);
  }
  const state = { stopped: false };
  const server = createServer((request, response) => {
    // A client that hangs up mid-response must not take the server down.
    response.on('error', () => undefined);
    void handle(store, credentials, state, request, response);
  });
  // Keep-alive sockets would otherwise hold stop() open until they idle out.
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    directory,
    ...credentials,
    async stop() {
      state.stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`Port ${port} for the local S3 server is in use (another \`pnpm dev\`?); stop it or set LOCAL_S3_PORT.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

interface Context {
  request: IncomingMessage;
  response: ServerResponse;
  store: ObjectStore;
  verified: VerifiedRequest;
  query: Map<string, string>;
  bucketName: string;
  key: string;
  requestId: string;
}

/** Query parameters of the operations served; any other names a sub-resource this server lacks. */
const knownParameters = new Set([
  'list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'marker',
  'uploads', 'key-marker', 'upload-id-marker', 'max-uploads', 'uploadId', 'partNumber', 'part-number-marker', 'max-parts',
  'delete', 'location', 'x-id',
]);

async function handle(
  store: ObjectStore,
  credentials: Credentials,
  state: { stopped: boolean },
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  response.setHeader('x-amz-request-id', requestId);
  let resource = '/';
  try {
    const { rawPath, query } = splitTarget(request.url ?? '/');
    const [, rawBucket = '', ...rawKey] = rawPath.split('/');
    const bucketName = decodeComponent(rawBucket);
    const key = rawKey.map(decodeComponent).join('/');
    resource = `/${bucketName}${rawKey.length > 0 ? `/${key}` : ''}`;
    const verified = verifyRequest({ method: request.method ?? 'GET', url: request.url ?? '/', headers: headerMap(request.rawHeaders) }, credentials);
    for (const [name] of query) {
      // x-amz-* parameters are headers a presigner moved into the query (x-amz-checksum-mode, …).
      if (!knownParameters.has(name) && !name.startsWith('response-') && !name.toLowerCase().startsWith('x-amz-')) {
        throw new S3Error(501, 'NotImplemented', `The ${name} sub-resource is not implemented by this server.`);
      }
    }
    const context: Context = { request, response, store, verified, query: new Map(query), bucketName, key, requestId };
    await route(context);
  } catch (error) {
    if (error instanceof S3Error) {
      sendError(request, response, error, resource, requestId);
    } else if (state.stopped || request.destroyed || response.destroyed) {
      // The client hung up or the server was stopped mid-request: nobody to answer.
      response.destroy();
    } else {
      process.stderr.write(`local S3 server: ${(error as Error)?.stack ?? String(error)}\n`);
      sendError(request, response, new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'), resource, requestId);
    }
  }
}

function route(context: Context): Promise<void> {
  const { request, query, bucketName, key } = context;
  const method = request.method ?? 'GET';
  if (!bucketName) {
    if (method === 'GET') return listBuckets(context);
    throw notImplemented(method);
  }
  if (!key) {
    switch (method) {
      case 'PUT':
        return createBucket(context);
      case 'HEAD':
        return headBucket(context);
      case 'DELETE':
        return deleteBucket(context);
      case 'POST':
        if (query.has('delete')) return deleteObjects(context);
        break;
      case 'GET':
        if (query.has('uploads')) return listMultipartUploads(context);
        if (query.has('location')) return getBucketLocation(context);
        return listObjects(context);
    }
    throw notImplemented(method);
  }
  const uploadId = query.get('uploadId');
  switch (method) {
    case 'PUT':
      if (request.headers['x-amz-copy-source']) throw new S3Error(501, 'NotImplemented', 'Copying objects is not implemented by this server.');
      return uploadId !== undefined ? uploadPart(context, uploadId) : putObject(context);
    case 'GET':
      return uploadId !== undefined ? listParts(context, uploadId) : getObject(context, true);
    case 'HEAD':
      return getObject(context, false);
    case 'DELETE':
      return uploadId !== undefined ? abortMultipartUpload(context, uploadId) : deleteObject(context);
    case 'POST':
      if (query.has('uploads')) return createMultipartUpload(context);
      if (uploadId !== undefined) return completeMultipartUpload(context, uploadId);
  }
  throw notImplemented(method);
}

function notImplemented(method: string): S3Error {
  return new S3Error(405, 'MethodNotAllowed', `The specified method (${method}) is not allowed against this resource.`);
}

// ---------------------------------------------------------------- buckets

async function listBuckets(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  sendXml(context.response, 200, xmlDocument('ListAllMyBucketsResult', [
    ['Owner', owner],
    ['Buckets', context.store.listBuckets().map((bucket): XmlNode => ['Bucket', [['Name', bucket.name], ['CreationDate', bucket.created]]])],
  ]));
}

async function createBucket(context: Context): Promise<void> {
  // The body, if any, is a CreateBucketConfiguration naming a region; one region is served.
  await readSmallPayload(context.request, context.verified);
  await context.store.createBucket(context.bucketName);
  context.response.setHeader('Location', `/${context.bucketName}`);
  sendEmpty(context.response, 200);
}

async function headBucket(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  context.store.bucket(context.bucketName);
  context.response.setHeader('x-amz-bucket-region', 'us-east-1');
  sendEmpty(context.response, 200);
}

async function deleteBucket(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  await context.store.deleteBucket(context.bucketName);
  sendEmpty(context.response, 204);
}

async function getBucketLocation(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  context.store.bucket(context.bucketName);
  sendXml(context.response, 200, xmlDocument('LocationConstraint', []));
}

function integerParameter(query: Map<string, string>, name: string, fallback: number, max: number): number {
  const value = query.get(name);
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new S3Error(400, 'InvalidArgument', `Provided ${name} not an integer or within integer range`);
  return Math.min(Number(value), max);
}

/** Keys in S3's order: by their UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** ListObjectsV2 (list-type=2) and the original ListObjects (marker), which share their walk. */
async function listObjects(context: Context): Promise<void> {
  const { query } = context;
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  const version2 = query.get('list-type') === '2';
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = integerParameter(query, 'max-keys', 1000, 1000);
  const urlEncoded = query.get('encoding-type') === 'url';
  const encode = (value: string) => (urlEncoded ? value.split('/').map(uriEncode).join('/') : value);
  let after = '';
  if (version2 && query.has('continuation-token')) {
    after = Buffer.from(query.get('continuation-token')!, 'base64url').toString('utf8');
  } else {
    after = (version2 ? query.get('start-after') : query.get('marker')) ?? '';
  }

  const contents: ObjectMeta[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let last = '';
  const keys = [...bucket.objects.keys()].filter((key) => key.startsWith(prefix)).sort(byteOrder);
  for (const key of keys) {
    if (after && (byteOrder(key, after) <= 0 || (delimiter && after.endsWith(delimiter) && key.startsWith(after)))) continue;
    const rest = key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const common = cut === -1 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
    if (common !== undefined && commonPrefixes.at(-1) === common) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      commonPrefixes.push(common);
      last = common;
    } else {
      contents.push(bucket.objects.get(key)!);
      last = key;
    }
  }

  const objectNodes = contents.map((meta): XmlNode => ['Contents', [
    ['Key', encode(meta.key)],
    ['LastModified', meta.lastModified],
    ['ETag', `"${meta.etag}"`],
    ['Size', meta.size],
    ...(query.get('fetch-owner') === 'true' || !version2 ? [['Owner', owner] as XmlNode] : []),
    ['StorageClass', 'STANDARD'],
  ]]);
  const prefixNodes = commonPrefixes.map((common): XmlNode => ['CommonPrefixes', [['Prefix', encode(common)]]]);
  const children: XmlNode[] = version2
    ? [
        ['Name', bucket.name],
        ['Prefix', encode(prefix)],
        ['Delimiter', delimiter ? encode(delimiter) : undefined],
        ['MaxKeys', maxKeys],
        ['KeyCount', contents.length + commonPrefixes.length],
        ['IsTruncated', truncated],
        ['ContinuationToken', query.get('continuation-token')],
        ['NextContinuationToken', truncated ? Buffer.from(last).toString('base64url') : undefined],
        ['StartAfter', query.has('start-after') ? encode(query.get('start-after')!) : undefined],
        ['EncodingType', urlEncoded ? 'url' : undefined],
        ...objectNodes,
        ...prefixNodes,
      ]
    : [
        ['Name', bucket.name],
        ['Prefix', encode(prefix)],
        ['Marker', encode(query.get('marker') ?? '')],
        ['Delimiter', delimiter ? encode(delimiter) : undefined],
        ['MaxKeys', maxKeys],
        ['IsTruncated', truncated],
        ['NextMarker', truncated && delimiter ? encode(last) : undefined],
        ['EncodingType', urlEncoded ? 'url' : undefined],
        ...objectNodes,
        ...prefixNodes,
      ];
  sendXml(context.response, 200, xmlDocument('ListBucketResult', children));
}

async function deleteObjects(context: Context): Promise<void> {
  const { request } = context;
  if (!request.headers['content-md5'] && !Object.keys(request.headers).some((name) => name.startsWith('x-amz-checksum-'))) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
  }
  const body = (await readSmallPayload(request, context.verified)).toString('utf8');
  const bucket = context.store.bucket(context.bucketName);
  const keys = elements(body, 'Object').map((object) => element(object, 'Key'));
  if (!body.includes('<Delete') || keys.length === 0 || keys.length > 1000 || keys.some((key) => key === undefined)) throw malformedXml();
  const quiet = element(body, 'Quiet') === 'true';
  for (const key of keys) await context.store.deleteObject(bucket, key!);
  sendXml(context.response, 200, xmlDocument('DeleteResult', quiet ? [] : keys.map((key): XmlNode => ['Deleted', [['Key', key]]])));
}

// ---------------------------------------------------------------- objects

function storedHeaders(request: IncomingMessage): Headers {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(',') : value;
  };
  // aws-chunked describes the transfer, not the object, so it is not stored.
  const encodings = (header('content-encoding') ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value && value !== 'aws-chunked');
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    contentType: header('content-type') ?? 'binary/octet-stream',
    contentDisposition: header('content-disposition'),
    contentEncoding: encodings.length > 0 ? encodings.join(',') : undefined,
    cacheControl: header('cache-control'),
    metadata,
  };
}

async function putObject(context: Context): Promise<void> {
  const { request, response, store } = context;
  const bucket = store.bucket(context.bucketName);
  if (request.headers['if-none-match'] === '*' && bucket.objects.has(context.key)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  const payload = openPayload(request, context.verified);
  const received = await store.receive(bucket, payload.body);
  let verifiedBody: { md5: Buffer; size: number };
  try {
    verifiedBody = payload.verify();
  } catch (error) {
    await store.discard(received);
    throw error;
  }
  const meta = await store.putObject(bucket, context.key, received, {
    ...storedHeaders(request),
    size: verifiedBody.size,
    etag: verifiedBody.md5.toString('hex'),
  });
  response.setHeader('ETag', `"${meta.etag}"`);
  sendEmpty(response, 200);
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  // S3 ignores a Range it cannot parse (or a list of ranges) and sends the whole object.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw invalidRange(size);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || (match[2] !== '' && Number(match[2]) < start)) throw invalidRange(size);
  return { start, end };
}

function invalidRange(size: number): S3Error {
  const error = new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  (error as S3Error & { contentRange?: string }).contentRange = `bytes */${size}`;
  return error;
}

async function getObject(context: Context, withBody: boolean): Promise<void> {
  const { request, response, store, query } = context;
  await readSmallPayload(request, context.verified);
  const bucket = store.bucket(context.bucketName);
  const meta = store.getObject(bucket, context.key);
  const ifMatch = request.headers['if-match'];
  if (ifMatch && ifMatch !== '*' && !ifMatch.split(',').some((tag) => tag.trim().replace(/"/g, '') === meta.etag)) {
    throw new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  }
  const ifNoneMatch = request.headers['if-none-match'];
  const notModified = ifNoneMatch && (ifNoneMatch === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/"/g, '') === meta.etag));
  const range = parseRange(request.headers.range, meta.size);

  response.setHeader('Last-Modified', new Date(meta.lastModified).toUTCString());
  response.setHeader('ETag', `"${meta.etag}"`);
  response.setHeader('Accept-Ranges', 'bytes');
  for (const [name, value] of Object.entries(meta.metadata)) response.setHeader(`x-amz-meta-${name}`, value);
  if (notModified) {
    sendEmpty(response, 304);
    return;
  }
  // A signed request may override the stored headers, as presigned download links do.
  response.setHeader('Content-Type', query.get('response-content-type') ?? meta.contentType);
  const optional: [string, string | undefined][] = [
    ['Content-Disposition', query.get('response-content-disposition') ?? meta.contentDisposition],
    ['Content-Encoding', query.get('response-content-encoding') ?? meta.contentEncoding],
    ['Cache-Control', query.get('response-cache-control') ?? meta.cacheControl],
    ['Content-Language', query.get('response-content-language')],
    ['Expires', query.get('response-expires')],
  ];
  for (const [name, value] of optional) if (value !== undefined) response.setHeader(name, value);
  response.setHeader('Content-Length', range ? range.end - range.start + 1 : meta.size);
  if (range) response.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${meta.size}`);
  response.statusCode = range ? 206 : 200;
  if (!withBody || meta.size === 0) {
    response.end();
    return;
  }
  const source = store.readObject(bucket, meta, range);
  // An object deleted between the lookup and the open is, to the client, missing.
  await new Promise<void>((resolve, reject) => {
    source.once('open', () => resolve());
    source.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? noSuchKey() : error));
  });
  try {
    await pipeline(source, response);
  } catch {
    // The client went away mid-download; nothing to answer.
    response.destroy();
  }
}

async function deleteObject(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  await context.store.deleteObject(bucket, context.key);
  sendEmpty(context.response, 204);
}

// ---------------------------------------------------------------- multipart uploads

async function createMultipartUpload(context: Context): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  const upload = await context.store.createUpload(bucket, context.key, storedHeaders(context.request));
  sendXml(context.response, 200, xmlDocument('InitiateMultipartUploadResult', [
    ['Bucket', bucket.name],
    ['Key', upload.key],
    ['UploadId', upload.uploadId],
  ]));
}

async function uploadPart(context: Context, uploadId: string): Promise<void> {
  const { request, response, store, query } = context;
  const partNumberText = query.get('partNumber') ?? '';
  const partNumber = /^\d{1,5}$/.test(partNumberText) ? Number(partNumberText) : 0;
  if (partNumber < 1 || partNumber > 10_000) {
    throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
  const bucket = store.bucket(context.bucketName);
  const upload = store.upload(bucket, context.key, uploadId);
  const payload = openPayload(request, context.verified);
  const received = await store.receive(bucket, payload.body);
  let verifiedBody: { md5: Buffer; size: number };
  try {
    verifiedBody = payload.verify();
  } catch (error) {
    await store.discard(received);
    throw error;
  }
  const part = await store.putPart(bucket, upload, partNumber, received, { size: verifiedBody.size, etag: verifiedBody.md5.toString('hex') });
  response.setHeader('ETag', `"${part.etag}"`);
  sendEmpty(response, 200);
}

async function completeMultipartUpload(context: Context, uploadId: string): Promise<void> {
  const { request, store } = context;
  const body = (await readSmallPayload(request, context.verified)).toString('utf8');
  const bucket = store.bucket(context.bucketName);
  const upload = store.upload(bucket, context.key, uploadId);
  if (!body.includes('<CompleteMultipartUpload')) throw malformedXml();
  const listed = elements(body, 'Part').map((part) => ({
    partNumber: Number(element(part, 'PartNumber')),
    etag: unescapeXml(element(part, 'ETag') ?? '').replace(/"/g, '').trim(),
  }));
  if (listed.length === 0 || listed.some((part) => !Number.isInteger(part.partNumber))) throw malformedXml();
  const parts: PartMeta[] = [];
  for (const [index, listedPart] of listed.entries()) {
    if (index > 0 && listedPart.partNumber <= listed[index - 1]!.partNumber) {
      throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const part = upload.parts.get(listedPart.partNumber);
    if (!part || part.etag !== listedPart.etag) {
      throw new S3Error(400, 'InvalidPart', "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.");
    }
    parts.push(part);
  }
  if (parts.slice(0, -1).some((part) => part.size < minimumPartSize)) {
    throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
  }
  // S3's multipart ETag: the MD5 of the parts' binary MD5s, then "-" and the part count.
  const md5s = Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex')));
  const etag = `${createHash('md5').update(md5s).digest('hex')}-${parts.length}`;
  const meta = await store.completeUpload(bucket, upload, parts, etag);
  sendXml(context.response, 200, xmlDocument('CompleteMultipartUploadResult', [
    ['Location', `http://${request.headers.host ?? '127.0.0.1'}/${bucket.name}/${meta.key.split('/').map(uriEncode).join('/')}`],
    ['Bucket', bucket.name],
    ['Key', meta.key],
    ['ETag', `"${meta.etag}"`],
  ]));
}

async function abortMultipartUpload(context: Context, uploadId: string): Promise<void> {
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  await context.store.abortUpload(bucket, context.store.upload(bucket, context.key, uploadId));
  sendEmpty(context.response, 204);
}

async function listMultipartUploads(context: Context): Promise<void> {
  const { query } = context;
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  const prefix = query.get('prefix') ?? '';
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = query.get('upload-id-marker') ?? '';
  const maxUploads = integerParameter(query, 'max-uploads', 1000, 1000);
  // S3 lists uploads by key, and the uploads of one key by the time they started.
  const all = [...bucket.uploads.values()]
    .filter((upload) => !upload.completing && upload.meta.key.startsWith(prefix))
    .map((upload) => upload.meta)
    .sort((a, b) => byteOrder(a.key, b.key) || (a.initiated < b.initiated ? -1 : a.initiated > b.initiated ? 1 : a.uploadId < b.uploadId ? -1 : 1));
  let start = 0;
  if (keyMarker) {
    const markerIndex = uploadIdMarker ? all.findIndex((upload) => upload.key === keyMarker && upload.uploadId === uploadIdMarker) : -1;
    start = markerIndex !== -1 ? markerIndex + 1 : all.findIndex((upload) => byteOrder(upload.key, keyMarker) > 0);
    if (start === -1) start = all.length;
  }
  const page = all.slice(start, start + maxUploads);
  const truncated = start + maxUploads < all.length;
  const lastUpload = page.at(-1);
  sendXml(context.response, 200, xmlDocument('ListMultipartUploadsResult', [
    ['Bucket', bucket.name],
    ['KeyMarker', keyMarker],
    ['UploadIdMarker', uploadIdMarker],
    ['NextKeyMarker', truncated ? lastUpload?.key : undefined],
    ['NextUploadIdMarker', truncated ? lastUpload?.uploadId : undefined],
    ['Prefix', prefix],
    ['MaxUploads', maxUploads],
    ['IsTruncated', truncated],
    ...page.map((upload): XmlNode => ['Upload', [
      ['Key', upload.key],
      ['UploadId', upload.uploadId],
      ['Initiator', owner],
      ['Owner', owner],
      ['StorageClass', 'STANDARD'],
      ['Initiated', upload.initiated],
    ]]),
  ]));
}

async function listParts(context: Context, uploadId: string): Promise<void> {
  const { query } = context;
  await readSmallPayload(context.request, context.verified);
  const bucket = context.store.bucket(context.bucketName);
  const upload = context.store.upload(bucket, context.key, uploadId);
  const marker = integerParameter(query, 'part-number-marker', 0, 10_000);
  const maxParts = integerParameter(query, 'max-parts', 1000, 1000);
  const parts = [...upload.parts.values()].filter((part) => part.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = parts.slice(0, maxParts);
  const truncated = parts.length > maxParts;
  sendXml(context.response, 200, xmlDocument('ListPartsResult', [
    ['Bucket', bucket.name],
    ['Key', upload.meta.key],
    ['UploadId', uploadId],
    ['Initiator', owner],
    ['Owner', owner],
    ['StorageClass', 'STANDARD'],
    ['PartNumberMarker', marker],
    ['NextPartNumberMarker', page.at(-1)?.partNumber ?? marker],
    ['MaxParts', maxParts],
    ['IsTruncated', truncated],
    ...page.map((part): XmlNode => ['Part', [
      ['PartNumber', part.partNumber],
      ['LastModified', part.lastModified],
      ['ETag', `"${part.etag}"`],
      ['Size', part.size],
    ]]),
  ]));
}

// ---------------------------------------------------------------- responses

/** Lower-cased header names with every value sent, as the signature covers them. */
function headerMap(rawHeaders: string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const values = headers.get(name) ?? [];
    values.push(rawHeaders[index + 1]!);
    headers.set(name, values);
  }
  return headers;
}

function sendXml(response: ServerResponse, status: number, body: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/xml');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}

function sendEmpty(response: ServerResponse, status: number): void {
  response.statusCode = status;
  response.setHeader('Content-Length', 0);
  response.end();
}

function sendError(request: IncomingMessage, response: ServerResponse, s3Error: S3Error, resource: string, requestId: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  // Headers set for a success (ETag, Content-Type of the object) must not leak into the error.
  for (const name of response.getHeaderNames()) if (name !== 'x-amz-request-id') response.removeHeader(name);
  const contentRange = (s3Error as S3Error & { contentRange?: string }).contentRange;
  if (contentRange) response.setHeader('Content-Range', contentRange);
  // A body we refused may still be arriving; the connection cannot be reused after it.
  if (!request.complete) response.setHeader('Connection', 'close');
  if (request.method === 'HEAD') {
    sendEmpty(response, s3Error.status);
    return;
  }
  sendXml(response, s3Error.status, xmlDocument('Error', [
    ['Code', s3Error.code],
    ['Message', s3Error.message],
    ['Resource', resource],
    ['RequestId', requestId],
  ], false));
  request.resume();
}
