/**
 * One fuzzing connection: writes mutated frames pipelined (up to a window of unanswered
 * frames), counts the response frames that come back, and reconnects whenever the broker
 * closes it, which is the expected answer to much of what it is sent.
 */
import { connect, type Socket } from 'node:net';
import { mutate, pickMutator, type Mutation, type MutatorName, type Seed } from './mutators.js';
import type { Prng } from './prng.js';
import type { FuzzStats } from './stats.js';

export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly seeds: readonly Seed[];
  readonly mutators: readonly MutatorName[];
  /** Unanswered frames in flight before the connection waits (briefly) for answers. */
  readonly window: number;
  readonly stats: FuzzStats;
  /** Keeps the last frames sent, to reproduce a failure. */
  readonly trace: (connection: number, seed: Seed, mutation: Mutation) => void;
  readonly running: () => boolean;
}

/** Resolves when `socket` connects, or with an error (refused: the broker may be gone). */
function open(host: string, port: number): Promise<Socket | Error> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setNoDelay(true);
    // A broker whose event loop is stuck leaves the handshake to the kernel's backlog: bound it.
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(new Error('connect timed out'));
    }, 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

export async function runConnection(index: number, options: ConnectionOptions, prng: Prng): Promise<void> {
  const { stats } = options;
  let correlationId = 1;
  while (options.running()) {
    const socket = await open(options.host, options.port);
    if (socket instanceof Error) {
      stats.connectFailures++;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    stats.connectionsOpened++;
    let closed = false;
    let answered = 0;
    let sent = 0;
    let wake: (() => void) | undefined;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      stats.bytesReceived += chunk.length;
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 4) {
        const size = pending.readInt32BE(0);
        if (size < 0 || pending.length < 4 + size) break;
        pending = pending.subarray(4 + size);
        answered++;
        stats.responses++;
      }
      wake?.();
    });
    socket.on('error', () => undefined); // resets after bad input are expected; 'close' follows
    const closedPromise = new Promise<void>((resolve) =>
      socket.on('close', () => {
        closed = true;
        wake?.();
        resolve();
      }),
    );
    const waitFor = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          wake = undefined;
          resolve();
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });

    let closedByUs = false;
    while (options.running() && !closed) {
      const seed = prng.pick(options.seeds);
      const mutator = pickMutator(options.mutators, prng);
      let mutation: Mutation;
      try {
        mutation = mutate(mutator, seed, correlationId++, prng);
      } catch (error) {
        // A bug in the fuzzer itself, not the broker's: count it, keep the first message, go on.
        stats.mutatorErrors++;
        stats.firstMutatorError ??= `${mutator} on ${seed.apiKey}v${seed.apiVersion}: ${(error as Error).message}`;
        continue;
      }
      options.trace(index, seed, mutation);
      stats.count(seed.apiKey, mutation);
      sent += mutation.frames;
      const flushed = socket.write(mutation.wire);
      if (mutation.poisonsConnection) {
        // The broker must drop us (or wait for bytes that never come): give it a moment, then go.
        await Promise.race([closedPromise, waitFor(300)]);
        closedByUs = !closed;
        break;
      }
      if (!flushed) {
        let drained = false;
        socket.once('drain', () => (drained = true));
        // Bounded waits, so the run ends on time even if the broker stops reading.
        while (!drained && !closed && options.running()) await Promise.race([closedPromise, waitFor(250)]);
      }
      if (sent - answered > options.window) {
        // The broker answers a connection's requests in order, so one request it holds (a
        // Fetch told to wait 2^31 ms, a JoinGroup awaiting a rebalance) stalls the rest; and
        // many mutated frames get no answer at all (acks=0, dropped). Without progress, move
        // on to a new connection: the broker must then release what the old one held.
        const before = answered;
        await waitFor(200);
        if (answered === before && !closed) {
          stats.stalled++;
          closedByUs = true;
          break;
        }
        sent = Math.min(sent, answered + options.window);
      }
    }
    if (closed && !closedByUs && options.running()) stats.closedByBroker++;
    socket.destroy();
    await closedPromise;
  }
}
