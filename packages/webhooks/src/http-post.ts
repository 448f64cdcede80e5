import http from 'node:http';
import https from 'node:https';
import { publicAddressesOnlyLookup } from './url-safety.ts';

export interface PostOutcome {
  /** The receiver's HTTP status; undefined when no answer came. */
  statusCode?: number;
  error?: string;
}

/**
 * One POST with a deadline on the whole exchange. Redirects are answers, never followed (a
 * redirect could point the request at the service's own network). With `publicOnly`, the
 * connection is made only to addresses checked after DNS resolution.
 */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; publicOnly: boolean },
): Promise<PostOutcome> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
        signal: AbortSignal.timeout(options.timeoutMs),
        // A fresh connection each time: a kept-alive socket would skip the address check.
        agent: false,
        ...(options.publicOnly ? { lookup: publicAddressesOnlyLookup } : {}),
      },
      (response) => {
        // The answer's body is not read: only its status counts, and a slow body must not hold us.
        response.resume();
        response.on('error', () => {});
        resolve({ statusCode: response.statusCode ?? 0 });
        request.destroy();
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve({ error: timedOut ? `no answer within ${options.timeoutMs} ms` : (error.code ? `${error.code}: ${error.message}` : error.message).slice(0, 500) });
    });
    request.end(body);
  });
}
