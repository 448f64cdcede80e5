import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP line between workers and the storage server that a test can cut and restore: "storage
 * goes down mid-export, then comes back on the same address". Cutting the line rather than
 * stopping the server keeps the outage to this file's workers; the storage server itself is
 * shared with every other test file running at the same time, and may be a remote S3.
 */
export interface StorageLine {
  /** Point workers' S3_ENDPOINT here. */
  endpoint: string;
  /** Stops accepting connections and resets every open one, as a crashed server would. */
  cut(): Promise<void>;
  /** Accepts connections again on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startStorageLine(target: string): Promise<StorageLine> {
  const upstream = new URL(target);
  const upstreamPort = Number(upstream.port || (upstream.protocol === 'https:' ? 443 : 80));
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const backend = connect(upstreamPort, upstream.hostname);
    sockets.add(client);
    sockets.add(backend);
    const drop = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('error', drop).on('close', drop);
    backend.on('error', drop).on('close', drop);
    client.pipe(backend).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  let up = true;

  const stop = async (listener: Server) => {
    if (!up) return;
    up = false;
    const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
    // resetAndDestroy sends RST, like a server process that vanished mid-request.
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
    await closed;
  };

  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut: () => stop(server),
    async restore() {
      if (up) return;
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      up = true;
    },
    close: () => stop(server),
  };
}
