import { randomBytes } from 'node:crypto';

const crockford = '0123456789abcdefghjkmnpqrstvwxyz';

/** Prefixes of the public object ids. */
export const idPrefix = {
  reportRun: 'reprun',
  report: 'report',
  schedule: 'sched',
  team: 'team',
  apiKey: 'key',
  storageZone: 'zone',
  event: 'evt',
  webhookEndpoint: 'we',
} as const;

export type IdPrefix = (typeof idPrefix)[keyof typeof idPrefix];

/**
 * `prefix_` + 26 lowercase Crockford base32 characters: 48 bits of milliseconds then 80 random
 * bits (the ULID layout), so ids sort by creation time and make cursor pagination cheap.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  let time = '';
  let ms = now;
  for (let i = 0; i < 10; i += 1) {
    time = crockford[ms % 32] + time;
    ms = Math.floor(ms / 32);
  }
  const bytes = randomBytes(10);
  let random = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += crockford[(buffer >> bits) & 31];
    }
  }
  return `${prefix}_${time}${random}`;
}

export function hasPrefix(id: string, prefix: IdPrefix): boolean {
  return new RegExp(`^${prefix}_[0-9a-z]{26}$`).test(id);
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Members and saved
 * reports take these: the heyhumm and everruns shapes say `string<uuid>`, and time-ordered UUIDs
 * keep "newest first, continue after this id" pagination working as it does for prefixed ids.
 */
export function newUuid(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  let ms = now;
  for (let index = 5; index >= 0; index -= 1) {
    bytes[index] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID as the API writes them: lowercase hex, 8-4-4-4-12. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
