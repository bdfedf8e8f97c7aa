/**
 * Shared plumbing for the tests that run real clients against a real broker
 * (test/broker/{clients,server,durability,logs}):
 *
 * - {@link startKafka} / {@link stopKafkas}: in-process brokers on ephemeral ports, tracked.
 * - {@link spawnBroker}: the compiled broker (`streamwright broker`, dist/ is built by
 *   test/global-setup.ts) as a child process, for kill -9; {@link killBrokers} ends them all.
 * - {@link tempDir} / {@link removeTempDirs}: data dirs that a test owns.
 * - {@link RawConnection}: one TCP connection speaking bare frames, for malformed input,
 *   pipelining and raw requests encoded with the project's codec.
 * - {@link waitFor}: polls a probe until it yields a value (never a fixed sleep).
 * - {@link kcat}, {@link python}: real client processes with hard timeouts (killed by
 *   `killChildren` from produced-batches.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EmbeddedKafka, type EmbeddedKafkaOptions } from '../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../src/broker/logger.js';
import { decodeResponse, encodeRequest, type KnownApiKey, type RequestOf, type ResponseOf } from '../../src/protocol/codec.js';
import { ApiKeys } from '../../src/protocol/generated/messages.js';
import type { MessageInput } from '../../src/protocol/input.js';
import { runProcess, type ProcessResult } from './produced-batches.js';
import type { KafkaConnection } from '../../src/client/kafka-connection.js';
import { connectWire } from './wire-client.js';

// The project root: two levels up from test/support, three from its compiled copy in
// dist-reliability/test/support (the soaks' long runs).
const HERE = join(import.meta.dirname, '..', '..');
export const ROOT = basename(HERE) === 'dist-reliability' ? dirname(HERE) : HERE;
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const DIST_BROKER = join(ROOT, 'dist', 'broker', 'index.js');
export const KCAT = '/usr/bin/kcat';
export const PYTHON = '/usr/bin/python3';

/** Brokers in tests log nothing unless STREAMWRIGHT_TEST_LOG is set (e.g. to "debug"). */
export const testLogger = consoleLogger((process.env.STREAMWRIGHT_TEST_LOG as 'debug' | undefined) ?? 'silent', 'test-broker');

// ---------------------------------------------------------------------------------------------
// Temp dirs

const dirs = new Set<string>();

export function tempDir(prefix = 'streamwright-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

// ---------------------------------------------------------------------------------------------
// In-process brokers

const running = new Set<EmbeddedKafka>();

/** Starts an EmbeddedKafka on an ephemeral port with a silent logger; {@link stopKafkas} stops it. */
export async function startKafka(options: EmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
  const kafka = await EmbeddedKafka.start({ port: 0, logger: testLogger, ...options });
  running.add(kafka);
  return kafka;
}

/** Stops one broker started by {@link startKafka} (idempotent). */
export async function stopKafka(kafka: EmbeddedKafka): Promise<void> {
  if (!running.delete(kafka)) return;
  await kafka.stop();
}

export async function stopKafkas(): Promise<void> {
  const all = [...running];
  running.clear();
  await Promise.allSettled(all.map((k) => k.stop()));
}

// ---------------------------------------------------------------------------------------------
// Child-process brokers

export interface BrokerProcess {
  readonly child: ChildProcess;
  /** host:port from the "listening on" line. */
  readonly address: string;
  readonly port: number;
  stderr(): string;
  /** Resolves when the process has exited (and its stdio closed). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const brokerChildren = new Set<ChildProcess>();

/**
 * Starts the compiled broker as a child: `node dist/cli/main.js broker --port PORT --data-dir DIR`
 * (falls back to an inline script over dist/broker/index.js if the CLI is not built), and
 * waits for its "listening on HOST:PORT" line. `port` 0 (the default) picks a free one; a
 * restart on the port of a killed broker lets running clients reconnect to it.
 */
export function spawnBroker(dataDir: string, config: Record<string, string | number | boolean> = {}, timeoutMs = 30_000, port = 0): Promise<BrokerProcess> {
  const configArgs = Object.entries(config).flatMap(([k, v]) => ['--config', `${k}=${String(v)}`]);
  const args = existsSync(CLI)
    ? [CLI, 'broker', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn', ...configArgs]
    : [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(DIST_BROKER)});
         const k = await m.EmbeddedKafka.start({ dataDir: process.argv[1], config: JSON.parse(process.argv[2]) });
         console.log('listening on ' + k.bootstrapServers[0]);`,
        dataDir,
        JSON.stringify(config),
      ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    brokerChildren.add(child);
    let stdout = '';
    let stderr = '';
    let settled = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('close', (code, signal) => {
        brokerChildren.delete(child);
        done({ code, signal });
      }),
    );
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(new Error(`broker did not print "listening on" within ${timeoutMs} ms; stderr:\n${stderr}`));
    }, timeoutMs);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new Error(`broker exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
    });
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const match = /^listening on (\S+)$/m.exec(stdout);
      if (!match || settled) return;
      settled = true;
      clearTimeout(timer);
      const address = match[1]!;
      resolve({
        child,
        address,
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
        stderr: () => stderr,
        exited,
        kill: (signal = 'SIGKILL') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
  });
}

/** SIGKILLs every broker child still running and waits for them to exit. */
export async function killBrokers(): Promise<void> {
  const all = [...brokerChildren];
  brokerChildren.clear();
  await Promise.all(
    all.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Polling


// ---------------------------------------------------------------------------------------------
// Clients

/** A kafkajs client for a test broker: quiet, a few quick retries, generous connect timeout. */
export function kafkajsClient(bootstrap: string, clientId = 'streamwright-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2_000 },
  });
}

/** Runs kcat with a hard timeout. */
export function kcat(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return runProcess(KCAT, args, { timeoutMs: 30_000, ...options });
}

/** Runs `/usr/bin/python3 -c script ...args` with a hard timeout. */
export function python(script: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return runProcess(PYTHON, ['-c', script, ...args], { timeoutMs: 40_000, ...options });
}

/** Throws with the process output unless it exited with 0. */
export function expectSuccess(result: ProcessResult, what: string): ProcessResult {
  if (result.code !== 0 || result.timedOut) {
    throw new Error(`${what} failed (code ${result.code}, signal ${result.signal}, timedOut ${result.timedOut})\nstdout:\n${result.stdout.slice(-4000)}\nstderr:\n${result.stderr.slice(-4000)}`);
  }
  return result;
}

/**
 * Reads a whole topic with kcat (`-C -o beginning -e`), one line per record in the given
 * format (default `%p %o %k %s`, null keys/values printed as NULL).
 */
export async function kcatReadAll(bootstrap: string, topic: string, format = '%p %o %k %s\\n', extra: readonly string[] = []): Promise<string[]> {
  const result = expectSuccess(
    await kcat(['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-Z', '-f', format, ...extra], { timeoutMs: 30_000 }),
    `kcat -C ${topic}`,
  );
  return result.stdout.split('\n').filter((l) => l !== '');
}

// ---------------------------------------------------------------------------------------------
// Raw connections

interface FrameWaiter {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A bare TCP connection to a broker. Frames received are queued (without their size
 * prefix); {@link request} encodes with the project's codec and decodes the next frame.
 */
export class RawConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private readonly waiters: FrameWaiter[] = [];
  private correlationId = 1;
  private isClosedFlag = false;
  /** Resolves when the socket has closed (by either side). */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.isClosedFlag = true;
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error('connection closed'));
        }
        resolve();
      }),
    );
  }

  static open(address: string, clientId = 'raw-test'): Promise<RawConnection> {
    const at = address.lastIndexOf(':');
    const host = address.slice(0, at);
    const port = Number(address.slice(at + 1));
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket, clientId));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.isClosedFlag;
  }

  /** Frames received and not yet taken. */
  get queuedFrames(): number {
    return this.frames.length;
  }

  nextCorrelationId(): number {
    return this.correlationId++;
  }

  /** Writes raw bytes; resolves when handed to the OS (or the socket failed). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Encodes a request frame (size-prefixed) for this connection. */
  encode<K extends KnownApiKey>(apiKey: K, apiVersion: number, body: MessageInput<RequestOf<K>>, correlationId = this.nextCorrelationId()): Buffer {
    return encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.clientId }, body);
  }

  /** The next response frame (without its size prefix). */
  nextFrame(timeoutMs = 15_000): Promise<Buffer> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    if (this.isClosedFlag) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const waiter: FrameWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`no response frame within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends one request and decodes the next frame as its response (checks the correlation id). */
  async request<K extends KnownApiKey>(apiKey: K, apiVersion: number, body: MessageInput<RequestOf<K>>, timeoutMs = 15_000): Promise<ResponseOf<K>> {
    const correlationId = this.nextCorrelationId();
    await this.write(this.encode(apiKey, apiVersion, body, correlationId));
    const frame = await this.nextFrame(timeoutMs);
    const decoded = decodeResponse(apiKey, apiVersion, frame);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body;
  }

  /**
   * Whether the broker closes the connection within `timeoutMs`. A response frame that
   * arrives instead is an error: the broker answered what it should have refused.
   */
  async closesWithin(timeoutMs = 10_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const closed = await Promise.race([this.closed.then(() => true as const), timeout]);
    clearTimeout(timer);
    if (this.frames.length > 0) throw new Error(`expected the connection to be closed, but the broker sent ${this.frames.length} frame(s)`);
    return closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = Buffer.from(this.buffered.subarray(4, 4 + size));
      this.buffered = this.buffered.subarray(4 + size);
      const waiter = this.waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      } else this.frames.push(frame);
    }
  }
}

const rawConnections = new Set<RawConnection>();
const wireConnections = new Set<KafkaConnection>();

/** {@link RawConnection.open}, tracked for {@link closeRawConnections}. */
export async function openRaw(address: string, clientId?: string): Promise<RawConnection> {
  const connection = await RawConnection.open(address, clientId);
  rawConnections.add(connection);
  return connection;
}

/** A connection of the project's wire client (src/client), closed by closeRawConnections() too. */
export async function openWire(address: string, clientId?: string): Promise<KafkaConnection> {
  const connection = await connectWire(address, clientId);
  wireConnections.add(connection);
  return connection;
}

export function closeRawConnections(): void {
  for (const c of rawConnections) c.destroy();
  rawConnections.clear();
  for (const c of wireConnections) c.close();
  wireConnections.clear();
}

// ---------------------------------------------------------------------------------------------
// Cleanup

/** Things a test must undo whatever happens (disconnect clients...), run in afterEach. */
export class Cleanup {
  private readonly tasks: Array<() => unknown> = [];
  add(task: () => unknown): void {
    this.tasks.push(task);
  }
  async run(): Promise<void> {
    const tasks = this.tasks.splice(0).reverse();
    for (const task of tasks) {
      try {
        await Promise.race([Promise.resolve().then(task), new Promise((r) => setTimeout(r, 10_000).unref())]);
      } catch {
        // Best effort: a failed disconnect must not hide the test's own failure.
      }
    }
  }
}

/** A small deterministic PRNG (mulberry32) for reproducible "random" choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Raw requests used by several files

/**
 * One Fetch (v11: topic names, no session) for one partition on a wire-client connection. Returns the
 * partition's error code, offsets and records blob.
 */
export async function rawFetch(
  connection: KafkaConnection,
  topic: string,
  partition: number,
  fetchOffset: number,
  options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number } = {},
) {
  const response = await connection.request(ApiKeys.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: options.maxBytes ?? 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(fetchOffset), logStartOffset: -1n, partitionMaxBytes: options.maxBytes ?? 1 << 20 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });
  const p = response.responses[0]!.partitions[0]!;
  return { errorCode: p.errorCode, highWatermark: Number(p.highWatermark), logStartOffset: Number(p.logStartOffset), records: p.records ?? Buffer.alloc(0) };
}
