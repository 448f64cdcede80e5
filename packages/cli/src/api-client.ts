import type { ReportRunResource } from '@reportrun/core';
import { CliError, exitCodeForStatus, exitCodes } from './exit-codes.ts';

export interface ApiConfig {
  apiUrl: string;
  apiKey: string;
}

/** Calls the API with the key; answers the parsed JSON, or throws a CliError saying what went wrong. */
export async function callApi<T = Record<string, unknown>>(
  config: ApiConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await request(config, path, {
    method,
    headers: {
      authorization: `Bearer ${config.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw problemError(response.status, text);
  return JSON.parse(text) as T;
}

export async function request(config: ApiConfig, path: string, init: RequestInit): Promise<Response> {
  const url = new URL(path, config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/`);
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new CliError(`cannot reach the API at ${config.apiUrl}${cause}`, exitCodes.unavailable);
  }
}

/** A problem+json answer as one line: its title, detail, code and the parameter it names. */
export function problemError(status: number, text: string): CliError {
  let message = `the API answered ${status}`;
  try {
    const problem = JSON.parse(text) as { title?: string; detail?: string; code?: string; param?: string };
    const parts = [problem.title, problem.detail].filter(Boolean).join(': ');
    const tags = [problem.code, problem.param && `param ${problem.param}`].filter(Boolean).join(', ');
    if (parts) message = `${parts}${tags ? ` (${tags})` : ''}`;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return new CliError(message, exitCodeForStatus(status));
}

export const runPath = (id: string) => `v2/reporting/report_runs/${encodeURIComponent(id)}`;

/**
 * Follows a run through its event stream until it ends, calling `onRun` for every state. A
 * stream cut short (a restarted API, a proxy timeout) is reopened with `Last-Event-ID`, so the
 * state already seen is not sent again.
 */
export async function followRun(
  config: ApiConfig,
  id: string,
  onRun: (run: ReportRunResource) => void,
): Promise<ReportRunResource> {
  let last: ReportRunResource | undefined;
  let lastEventId: string | undefined;
  for (let reconnects = 0; reconnects <= 5; reconnects += 1) {
    const response = await request(config, `${runPath(id)}/events`, {
      headers: {
        authorization: `Bearer ${config.apiKey}`,
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
    });
    if (!response.ok || !response.body) throw problemError(response.status, await response.text());
    try {
      for await (const event of serverSentEvents(response.body)) {
        if (event.id) lastEventId = event.id;
        if (event.event !== 'report_run') continue;
        last = JSON.parse(event.data) as ReportRunResource;
        onRun(last);
        if (last.status !== 'running') return last;
      }
    } catch {
      // The connection dropped mid-stream: reconnect below.
    }
  }
  throw new CliError(`the event stream of ${id} kept closing before the run ended`, exitCodes.unavailable);
}

interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true }).replaceAll('\r\n', '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: ServerSentEvent = { data: '' };
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data') event.data += event.data ? `\n${value}` : value;
      }
      if (event.data) yield event;
    }
  }
}
