/**
 * Calls the API with the key the user signed in with. The key lives only in this tab's
 * sessionStorage: closing the tab signs out, and no other tab or later visit can read it.
 */
const keyStorageName = 'reportrun.apiKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(keyStorageName),
  signIn: (key: string) => sessionStorage.setItem(keyStorageName, key),
  signOut: () => sessionStorage.removeItem(keyStorageName),
};

/** An RFC 9457 problem the API answered with; `param` names the offending field when there is one. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string | undefined,
    readonly param: string | undefined,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

const authorization = (key: string | null = session.key()) => ({ authorization: `Bearer ${key ?? ''}` });

export async function apiRequest<T>(
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH',
  path: string,
  body?: unknown,
  key?: string,
): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { ...authorization(key), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    throw new ApiProblem(
      response.status,
      String(parsed.code ?? 'error'),
      String(parsed.title ?? `HTTP ${response.status}`),
      typeof parsed.detail === 'string' ? parsed.detail : undefined,
      typeof parsed.param === 'string' ? parsed.param : undefined,
    );
  }
  return parsed as T;
}

/**
 * Follows a run's server-sent events (`…/events`), calling `onRun` with each new state until
 * the stream ends with the run. EventSource cannot send an Authorization header, so this reads
 * the stream with fetch.
 */
export async function followRunEvents<T>(path: string, onRun: (run: T) => void, signal: AbortSignal): Promise<void> {
  const response = await fetch(path, { headers: { ...authorization(), accept: 'text/event-stream' }, signal });
  if (!response.ok || !response.body) throw new Error(`the event stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) onRun(JSON.parse(data) as T);
    }
  }
}
