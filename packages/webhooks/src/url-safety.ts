import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { WebhookUrlRefused } from './errors.ts';

/**
 * Addresses a webhook must never reach: loopback, private (RFC 1918, shared CGNAT space),
 * link-local (cloud metadata lives at 169.254.169.254), unique-local, unspecified, multicast and
 * reserved. IPv4-mapped and NAT64 IPv6 addresses are checked as the IPv4 address they carry.
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fe80::', 10],
  ['fc00::', 7],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}

/** The 8 groups of an IPv6 address, as numbers. */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  return [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups].map((group) =>
    Number.parseInt(group, 16),
  );
}

/** The IPv4 address an IPv6 one embeds (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d), if any. */
function embeddedIpv4(address: string): string | undefined {
  const groups = ipv6Groups(address);
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  const mapped = zeros(0, 5) && (groups[5] === 0xffff || groups[5] === 0);
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6);
  if (!mapped && !nat64) return undefined;
  const [high, low] = [groups[6]!, groups[7]!];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** Why the address may not be called, or undefined when it may. */
export function refusedAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return refused.check(address, 'ipv4') ? `${address} is not a public address` : undefined;
  if (family !== 6) return `${address} is not an IP address`;
  const ipv4 = embeddedIpv4(address);
  // ::/128 and ::1/128 also match the "embedded" form; check the IPv6 rules first.
  if (refused.check(address, 'ipv6')) return `${address} is not a public address`;
  if (ipv4 !== undefined && refused.check(ipv4, 'ipv4')) return `${address} is not a public address`;
  return undefined;
}

/** The host of a URL as DNS and `isIP` want it (`[::1]` → `::1`). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export interface UrlPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_URLS: for local development and tests only. */
  allowPrivateUrls: boolean;
}

/**
 * Refuses (WebhookUrlRefused, naming `url`) a URL that is not http(s) or whose host resolves to
 * an address webhooks must not reach. Every address the name resolves to is checked, not just
 * the first, so a name with one public and one private record is refused too.
 */
export async function assertWebhookUrlAllowed(rawUrl: string, policy: UrlPolicy): Promise<void> {
  const url = new URL(rawUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlRefused('only http and https URLs are called');
  if (url.username || url.password) throw new WebhookUrlRefused('URLs with credentials are not accepted');
  if (policy.allowPrivateUrls) return;
  const host = hostOf(url);
  const addresses = isIP(host) ? [host] : await resolveAll(host);
  for (const address of addresses) {
    const reason = refusedAddressReason(address);
    if (reason) throw new WebhookUrlRefused(`${host} resolves to ${address}, which is not a public address`);
  }
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    throw new WebhookUrlRefused(`the host ${host} does not resolve`);
  }
}

/**
 * A `lookup` for node's http(s).request that checks each address at connection time, after
 * DNS resolution: checking a name once and letting the request resolve it again would let a
 * short-lived DNS record point the request elsewhere (DNS rebinding).
 */
export const publicAddressesOnlyLookup: LookupFunction = (hostname, options, callback) => {
  lookup(hostname, { all: true, verbatim: true, ...(options.family ? { family: options.family } : {}) }).then(
    (entries) => {
      const bad = entries.find((entry) => refusedAddressReason(entry.address));
      if (bad) {
        callback(new WebhookUrlRefused(`${hostname} resolves to ${bad.address}, which is not a public address`), '', 4);
        return;
      }
      if (options.all) {
        (callback as unknown as (error: null, addresses: typeof entries) => void)(null, entries);
        return;
      }
      const first = entries[0]!;
      callback(null, first.address, first.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, '', 4),
  );
};

/** The literal address of a URL's host, checked (node skips `lookup` for IP literals). */
export function literalAddressRefusal(url: URL): string | undefined {
  const host = hostOf(url);
  return isIP(host) ? refusedAddressReason(host) : undefined;
}
