import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalS3 } from '../src/index.ts';

/** The hash the SDK's signer asks for: SHA-256, keyed (HMAC) when given a secret. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret : Buffer.from(ArrayBuffer.isView(secret) ? secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength) : secret);
    this.hash = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
}

/** The AWS SDK's own SigV4 signer, configured as the S3 client configures it. */
export function sdkSigner(server: Pick<LocalS3, 'accessKeyId' | 'secretAccessKey'>, secretAccessKey = server.secretAccessKey): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey },
    sha256: NodeSha256,
    // S3 signs the path as sent, encoded once.
    uriEscapePath: false,
  });
}

export interface UnsignedRequest {
  method: string;
  /** Already encoded, as an S3 client sends it. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function toHttpRequest(endpoint: string, request: UnsignedRequest) {
  const url = new URL(endpoint);
  return {
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: request.path,
    query: request.query ?? {},
    headers: { host: url.host, ...request.headers } as Record<string, string>,
    body: request.body,
  };
}

export function urlOf(endpoint: string, signed: { path: string; query?: Record<string, string | string[] | null> }): string {
  const query = Object.entries(signed.query ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => (v === null ? encode(name) : `${encode(name)}=${encode(v)}`)))
    .join('&');
  return `${endpoint}${signed.path}${query ? `?${query}` : ''}`;
}

export function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signs a request with the SDK's signer, lets the test change it, and sends it with fetch. */
export async function sendSigned(
  server: LocalS3,
  request: UnsignedRequest,
  tamper: (signed: ReturnType<typeof toHttpRequest>) => void = () => undefined,
  signer = sdkSigner(server),
): Promise<Response> {
  const signed = (await signer.sign(toHttpRequest(server.endpoint, request))) as ReturnType<typeof toHttpRequest>;
  tamper(signed);
  const { host: _host, ...headers } = signed.headers;
  return fetch(urlOf(server.endpoint, signed), {
    method: signed.method,
    headers,
    ...(signed.body !== undefined ? { body: signed.body } : {}),
  });
}

/** The `<Code>` of an S3 error document. */
export async function errorCode(response: Response): Promise<string | undefined> {
  return /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1];
}
