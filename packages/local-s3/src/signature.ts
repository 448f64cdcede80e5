import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3Error } from './errors.ts';

/**
 * AWS Signature Version 4 as S3 checks it, for both forms a client can use: the Authorization
 * header and the presigned query string. Everything the signature covers (method, path, query,
 * signed headers, payload hash) is rebuilt from the request as received, so any change to a
 * signed part makes the signatures differ.
 */

export const emptyPayloadHash = createHash('sha256').update('').digest('hex');
const algorithm = 'AWS4-HMAC-SHA256';
/** S3 accepts requests whose clock is at most 15 minutes off. */
const allowedSkewMs = 15 * 60 * 1000;
/** Presigned URLs live at most seven days. */
const maxExpiresSeconds = 604_800;

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a request presents to be checked, independent of node:http. */
export interface SignedRequest {
  method: string;
  /** The raw request target: path and query exactly as sent. */
  url: string;
  /** Header names in lower case; repeated headers keep each value. */
  headers: Map<string, string[]>;
}

export interface VerifiedRequest {
  /**
   * The payload hash the signature covers: a hex SHA-256 to check against the body,
   * UNSIGNED-PAYLOAD, or a STREAMING-* mode of aws-chunked bodies.
   */
  payloadHash: string;
  presigned: boolean;
}

/** RFC 3986 encoding as SigV4 defines it: everything but A-Z a-z 0-9 - _ . ~ is escaped. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** The path and the query as decoded pairs, in the order sent. */
export function splitTarget(url: string): { rawPath: string; query: [string, string][] } {
  const questionMark = url.indexOf('?');
  const rawPath = questionMark === -1 ? url : url.slice(0, questionMark);
  const rawQuery = questionMark === -1 ? '' : url.slice(questionMark + 1);
  const query: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    query.push([decodeComponent(name), decodeComponent(value)]);
  }
  return { rawPath, query };
}

/** S3 signs each path segment encoded once (no normalisation of `.` or `//`). */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(decodeComponent(segment)))
    .join('/');
}

export function canonicalQuery(query: [string, string][], omit?: string): string {
  return query
    .filter(([name]) => name !== omit)
    .map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

function canonicalHeaderValue(values: string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
}

export function canonicalRequest(
  request: SignedRequest,
  signedHeaders: string[],
  payloadHash: string,
  omitQuery?: string,
): string {
  const { rawPath, query } = splitTarget(request.url);
  const headerLines = signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers.get(name) ?? [])}\n`);
  return [
    request.method,
    canonicalUri(rawPath),
    canonicalQuery(query, omitQuery),
    headerLines.join(''),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secretAccessKey}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [algorithm, amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
}

interface Presented {
  credential: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  expiresSeconds?: number;
}

/**
 * Checks the request's signature against the configured credentials and returns what the body
 * must then satisfy. Throws the S3 error a real server answers with.
 */
export function verifyRequest(request: SignedRequest, credentials: Credentials, now: Date = new Date()): VerifiedRequest {
  const { query } = splitTarget(request.url);
  const queryValue = (name: string) => query.find(([key]) => key === name)?.[1];
  const authorization = request.headers.get('authorization')?.[0];
  const presigned = queryValue('X-Amz-Algorithm') !== undefined || queryValue('X-Amz-Signature') !== undefined;

  let presented: Presented;
  if (authorization !== undefined && presigned) {
    throw new S3Error(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified');
  } else if (authorization !== undefined) {
    presented = parseAuthorizationHeader(authorization, request);
  } else if (presigned) {
    presented = parsePresignedQuery(queryValue);
  } else {
    throw new S3Error(403, 'AccessDenied', 'Access Denied');
  }

  const [accessKeyId, date, region, service, terminator, ...rest] = presented.credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminator !== 'aws4_request' || rest.length > 0) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`);
  }
  if (accessKeyId !== credentials.accessKeyId) {
    throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (service !== 's3') {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".`);
  }
  const signedAt = parseAmzDate(presented.amzDate);
  if (!signedAt || presented.amzDate.slice(0, 8) !== date) {
    throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  }
  if (!presented.signedHeaders.includes('host')) {
    throw new S3Error(403, 'AccessDenied', 'The host header must be signed.');
  }
  for (const name of presented.signedHeaders) {
    if (!request.headers.has(name)) {
      throw new S3Error(403, 'SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided. Signed header ${name} is missing.`);
    }
  }

  const scope = `${date}/${region}/${service}/aws4_request`;
  const canonical = canonicalRequest(request, presented.signedHeaders, presented.payloadHash, presigned ? 'X-Amz-Signature' : undefined);
  const expected = createHmac('sha256', signingKey(credentials.secretAccessKey, date, region, service))
    .update(stringToSign(presented.amzDate, scope, canonical))
    .digest();
  const given = /^[0-9a-f]{64}$/.test(presented.signature) ? Buffer.from(presented.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }

  // Time is checked after the signature, so a forged request learns nothing about the clock.
  if (presented.expiresSeconds !== undefined) {
    if (signedAt.getTime() - now.getTime() > allowedSkewMs) {
      throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
    }
    if (now.getTime() > signedAt.getTime() + presented.expiresSeconds * 1000) {
      throw new S3Error(403, 'AccessDenied', 'Request has expired');
    }
  } else if (Math.abs(now.getTime() - signedAt.getTime()) > allowedSkewMs) {
    throw new S3Error(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  return { payloadHash: presented.payloadHash, presigned };
}

function parseAuthorizationHeader(header: string, request: SignedRequest): Presented {
  if (!header.startsWith(`${algorithm} `)) {
    throw new S3Error(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(algorithm.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals > 0) fields.set(part.slice(0, equals).trim(), part.slice(equals + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  }
  const payloadHash = request.headers.get('x-amz-content-sha256')?.[0];
  if (!payloadHash) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const amzDate = request.headers.get('x-amz-date')?.[0] ?? '';
  const names = signedHeaders.split(';');
  // S3 refuses x-amz-* headers the signature does not cover: they could be added in transit.
  const unsigned = [...request.headers.keys()].filter((name) => name.startsWith('x-amz-') && !names.includes(name));
  if (unsigned.length > 0) {
    throw new S3Error(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ')}`);
  }
  return { credential, signedHeaders: names, signature, amzDate, payloadHash };
}

function parsePresignedQuery(value: (name: string) => string | undefined): Presented {
  const required = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
  const missing = required.filter((name) => value(name) === undefined);
  if (missing.length > 0) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', `Query-string authentication version 4 requires the ${missing.join(', ')} parameters.`);
  }
  if (value('X-Amz-Algorithm') !== algorithm) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const expires = value('X-Amz-Expires')!;
  const expiresSeconds = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!Number.isInteger(expiresSeconds) || expiresSeconds > maxExpiresSeconds) {
    throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be a number of seconds from 0 to 604800.');
  }
  return {
    credential: value('X-Amz-Credential')!,
    signedHeaders: value('X-Amz-SignedHeaders')!.split(';'),
    signature: value('X-Amz-Signature')!,
    amzDate: value('X-Amz-Date')!,
    payloadHash: value('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    expiresSeconds,
  };
}

/** `YYYYMMDD'T'HHMMSS'Z'`, the only form SigV4 signs. */
function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
