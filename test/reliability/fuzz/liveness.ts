/** A liveness probe: a fresh connection, an ApiVersions v0 request, and the time to its answer. */
import { connect } from 'node:net';
import { encodeRequest } from '../../../src/protocol/codec.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';

/** Milliseconds until the broker answered, or an Error if it did not within `timeoutMs`. */
export function probe(host: string, port: number, timeoutMs = 10_000): Promise<number | Error> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: number | Error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(new Error(`no ApiVersions answer within ${timeoutMs} ms`)), timeoutMs);
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(encodeRequest({ apiKey: ApiKeys.ApiVersions, apiVersion: 0, correlationId: 1, clientId: 'fuzz-probe' }, {})));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) done(performance.now() - started);
    });
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new Error('connection closed before the ApiVersions answer')));
  });
}
