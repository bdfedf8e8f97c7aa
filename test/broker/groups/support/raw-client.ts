import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest, type KnownApiKey, type RequestOf, type ResponseOf } from '../../../../src/protocol/codec.js';
import type { MessageInput } from '../../../../src/protocol/input.js';

interface Waiter {
  apiKey: KnownApiKey;
  apiVersion: number;
  correlationId: number;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A bare Kafka connection for protocol tests: encodes requests with the project's codec and
 * decodes the responses in order. One connection answers in request order, so members that
 * wait in JoinGroup at the same time need a connection each.
 */
export class RawKafkaClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Waiter[] = [];
  private correlationId = 0;
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error: Error) => {
      this.closedError = error;
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  static connect(bootstrap: string, clientId = 'raw-test-client'): Promise<RawKafkaClient> {
    const [host, port] = bootstrap.split(':');
    return new Promise((resolve, reject) => {
      const socket = connect({ host: host!, port: Number(port) }, () => {
        socket.off('error', reject);
        resolve(new RawKafkaClient(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  send<K extends KnownApiKey>(apiKey: K, apiVersion: number, body: MessageInput<RequestOf<K>>): Promise<ResponseOf<K>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const correlationId = this.correlationId++;
    const frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.clientId }, body);
    return new Promise((resolve, reject) => {
      this.waiting.push({ apiKey, apiVersion, correlationId, resolve: resolve as (b: unknown) => void, reject });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const waiter = this.waiting.shift();
      if (!waiter) throw new Error('response without a request');
      try {
        const { correlationId, body } = decodeResponse(waiter.apiKey, waiter.apiVersion, Buffer.from(frame));
        if (correlationId !== waiter.correlationId) throw new Error(`correlation id ${correlationId}, expected ${waiter.correlationId}`);
        waiter.resolve(body);
      } catch (error) {
        waiter.reject(error as Error);
      }
    }
  }
}
