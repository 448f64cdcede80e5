import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Transform } from 'node:stream';

/**
 * A TCP line to a server that delivers the server's replies at a fixed byte rate: pointed at
 * Postgres, it makes a worker's export stream arrive slowly enough to be watched mid-way,
 * whatever the speed of the machine. Nothing is dropped or reordered; it only waits.
 */
export async function startSlowLine(targetPort: number, bytesPerSecond: number) {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const backend = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(backend);
    const drop = () => {
      client.destroy();
      backend.destroy();
    };
    client.on('error', drop).on('close', drop);
    backend.on('error', drop).on('close', drop);
    const slow = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        setTimeout(() => callback(null, chunk), (chunk.length / bytesPerSecond) * 1000);
      },
    });
    client.pipe(backend);
    backend.pipe(slow).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ServerSentEvent {
  id?: string;
  event?: string;
  data: string;
}

/** What a reader of an event stream has seen so far, filled in as the stream arrives. */
export interface EventStreamReading {
  status: number;
  contentType: string | null;
  events: ServerSentEvent[];
  comments: string[];
  /** Resolves when the server ends the stream (or the reader is aborted). */
  ended: Promise<void>;
}

/** Opens an event stream and parses it as it arrives (the WHATWG format, the parts we send). */
export async function readEventStream(url: string, init: RequestInit): Promise<EventStreamReading> {
  const response = await fetch(url, init);
  const reading: EventStreamReading = {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events: [],
    comments: [],
    ended: Promise.resolve(),
  };
  if (!response.body) return reading;
  const decoder = new TextDecoder();
  let buffer = '';
  reading.ended = (async () => {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ServerSentEvent = { data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) reading.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) event.id = line.slice(4);
            else if (line.startsWith('event: ')) event.event = line.slice(7);
            else if (line.startsWith('data: ')) {
              event.data += line.slice(6);
              hasData = true;
            }
          }
          if (hasData) reading.events.push(event);
        }
      }
    } catch (error) {
      if (!(init.signal?.aborted ?? false)) throw error;
    }
  })();
  return reading;
}
