import { randomBytes } from 'node:crypto';

const crockford = '0123456789abcdefghjkmnpqrstvwxyz';

/** Prefixes of the public object ids. */
export const idPrefix = {
  reportRun: 'reprun',
  report: 'report',
  schedule: 'sched',
  team: 'team',
  apiKey: 'key',
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
