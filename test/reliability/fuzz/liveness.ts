/** A liveness probe: a fresh connection, an ApiVersions v0 request, and the time to its answer. */
import { connect } from 'node:net';
import { decodeResponse, encodeRequest } from '../../../src/protocol/codec.js';
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

/** Sends one request on a fresh connection and returns the response frame (without its size prefix). */
function roundTrip(host: string, port: number, request: Buffer, timeoutMs: number): Promise<Buffer | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: Buffer | Error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) done(received.subarray(4, 4 + received.readInt32BE(0)));
    });
    socket.on('error', (error) => done(error));
    socket.on('close', () => done(new Error('connection closed before the answer')));
  });
}

/**
 * Asks for a group and a transaction coordinator until both are found, so that the internal
 * topics (__consumer_offsets, __transaction_state) exist before the fuzzing starts and their
 * one-time creation is measured apart from it. Returns how long that took (ms).
 */
export async function warmUp(host: string, port: number, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  for (const keyType of [0, 1]) {
    for (;;) {
      const request = encodeRequest({ apiKey: ApiKeys.FindCoordinator, apiVersion: 2, correlationId: 1, clientId: 'fuzz-warmup' }, { key: 'fuzz-warmup', keyType, coordinatorKeys: [] });
      const answer = await roundTrip(host, port, request, timeoutMs);
      if (answer instanceof Buffer && decodeResponse(ApiKeys.FindCoordinator, 2, answer).body.errorCode === 0) break;
      if (performance.now() - started > timeoutMs) throw new Error(`no ${keyType === 0 ? 'group' : 'transaction'} coordinator within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return performance.now() - started;
}
