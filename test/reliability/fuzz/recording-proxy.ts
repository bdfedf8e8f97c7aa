/**
 * A transparent TCP proxy that records every request frame a client sends to a real broker,
 * while passing all bytes through unchanged in both directions (so clients get real answers
 * and go as far as they would against the broker itself).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** One request frame as the client sent it, without its 4-byte size prefix. */
export interface RecordedFrame {
  readonly source: string;
  readonly frame: Buffer;
}

export interface RecordingProxy {
  readonly port: number;
  readonly frames: RecordedFrame[];
  /** Label stored with the frames recorded from now on (e.g. "kafkajs producer"). */
  source: string;
  close(): Promise<void>;
}

/** Listens on `listenHost` (port 0 = any) and forwards each connection to `target`. */
export async function startRecordingProxy(listenHost: string, listenPort: number, target: { host: string; port: () => number }): Promise<RecordingProxy> {
  const sockets = new Set<Socket>();
  const proxy: RecordingProxy = { port: 0, frames: [], source: 'unlabelled', close };

  const server: Server = createServer((client) => {
    const upstream = connect({ host: target.host, port: target.port() });
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || pending.length < 4 + size) break;
        proxy.frames.push({ source: proxy.source, frame: Buffer.from(pending.subarray(4, 4 + size)) });
        pending = pending.subarray(4 + size);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
  (proxy as { port: number }).port = address.port;

  function close(): Promise<void> {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return proxy;
}
