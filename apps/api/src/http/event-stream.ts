import type { Response } from 'express';

/** An open `text/event-stream` response (the WHATWG server-sent events format). */
export interface EventStream {
  send(event: { id: string; event: string; data: unknown }): void;
  /** Ends the stream from the server's side. */
  end(): void;
  /** Runs once when the stream ends, from either side (the client going away included). */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/**
 * Opens an event stream on the response: headers that keep proxies from buffering or caching
 * it, a `retry` hint for reconnecting clients, and a comment every `heartbeatMs` so idle
 * connections are not cut by proxies and a client can tell a quiet stream from a dead one.
 * Everything it holds (the heartbeat timer, the close listeners' resources) is released when
 * the connection closes, whoever closes it.
 */
export function openEventStream(reply: Response, { heartbeatMs, retryMs }: { heartbeatMs: number; retryMs: number }): EventStream {
  reply.status(200);
  reply.setHeader('content-type', 'text/event-stream; charset=utf-8');
  reply.setHeader('cache-control', 'no-cache, no-transform');
  reply.setHeader('x-accel-buffering', 'no');
  reply.flushHeaders();
  reply.write(`retry: ${retryMs}\n\n`);

  let closed = false;
  const listeners: (() => void)[] = [];
  const heartbeat = setInterval(() => reply.write(': heartbeat\n\n'), heartbeatMs);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const listener of listeners.splice(0)) listener();
  };
  reply.on('close', close);

  return {
    send({ id, event, data }) {
      if (closed) return;
      // JSON.stringify never emits a raw line break, so the data is always one `data:` line.
      reply.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (!closed) reply.end();
      close();
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
    get closed() {
      return closed;
    },
  };
}
