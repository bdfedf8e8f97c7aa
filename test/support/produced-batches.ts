/**
 * Real clients producing into a capture server, and the record batches they sent.
 *
 * - {@link producedBatches}: the `records` blob of every partition of every captured Produce
 *   request, decoded with the project codec.
 * - {@link runProcess}: spawns a client process (kcat, python) with a hard timeout; every
 *   child still running is killed by {@link killChildren} (call it in `afterAll`).
 * - {@link produceWithKafkajs}, {@link produceWithKcat}: drive those clients with fixed inputs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CompressionTypes, Kafka, logLevel, Partitioners, type IHeaders } from 'kafkajs';
import { decodeRequest } from '../../src/protocol/codec.js';
import { ApiKeys, type ProduceRequest } from '../../src/protocol/generated/messages.js';
import type { CapturedRequest } from './capture-server.js';

export interface ProducedBatch {
  readonly clientId: string | null;
  readonly apiVersion: number;
  readonly topic: string;
  readonly partition: number;
  /** The partition's records blob exactly as sent (one or more record batches). */
  readonly records: Buffer;
}

/** The records blob of each partition of each captured Produce request, in capture order. */
export function producedBatches(requests: readonly CapturedRequest[]): ProducedBatch[] {
  const out: ProducedBatch[] = [];
  for (const request of requests) {
    if (request.apiKey !== ApiKeys.Produce) continue;
    const body = decodeRequest(request.frame).body as ProduceRequest;
    for (const topic of body.topicData) {
      for (const partition of topic.partitionData) {
        if (partition.records === null) continue;
        out.push({ clientId: request.clientId, apiVersion: request.apiVersion, topic: topic.name, partition: partition.index, records: partition.records });
      }
    }
  }
  return out;
}

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

const children = new Set<ChildProcess>();

/** Runs a command to completion (or kills it after `timeoutMs`); never rejects on exit status. */
export function runProcess(command: string, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, timedOut, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined); // EPIPE if the child dies before reading
    child.stdin?.end(options.input ?? '');
  });
}

/** Kills every child started by {@link runProcess} that is still running. */
export function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

export interface SentMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What the kafkajs producer sends (one Produce request per `send`). */
export const KAFKAJS_MESSAGES: readonly SentMessage[] = [
  { key: 'key-1', value: 'value-1', headers: { h1: 'v1', 'trace-id': 'abc' } },
  { key: 'key-2', value: 'a somewhat longer value, repeated so gzip has something to do '.repeat(3), headers: { h1: 'v2' } },
];

export type KafkajsCompression = 'none' | 'gzip';

/**
 * A kafkajs client for a capture server: no retries (a failure shows at once), no logging, and
 * a connection timeout well above the 1 s default so a loaded machine does not fail the connect.
 */
export function kafkajsClient(port: number, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: [`127.0.0.1:${port}`], retry: { retries: 0 }, connectionTimeout: 10_000, logLevel: logLevel.NOTHING });
}

/** Connects a kafkajs producer to `port`, sends {@link KAFKAJS_MESSAGES} to `topic` once, disconnects. */
export async function produceWithKafkajs(port: number, topic: string, compression: KafkajsCompression, clientId = 'golden'): Promise<void> {
  const kafka = kafkajsClient(port, clientId);
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 0 } });
  await producer.connect();
  try {
    await producer.send({
      topic,
      compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: KAFKAJS_MESSAGES.map((m) => ({ key: m.key, value: m.value, headers: { ...m.headers } as IHeaders })),
    });
  } finally {
    await producer.disconnect();
  }
}

export type KcatCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const KCAT_CODECS: readonly KcatCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** The lines kcat is fed (`key:value`); every message also gets the header h1=v1 (`-H`). */
export const KCAT_MESSAGES: readonly SentMessage[] = [
  { key: 'k1', value: 'v1', headers: { h1: 'v1' } },
  { key: 'k2', value: 'value two', headers: { h1: 'v1' } },
  { key: 'k3', value: 'a third value, repeated for the compressors '.repeat(4), headers: { h1: 'v1' } },
];

/** Options that make librdkafka send everything as one batch, promptly. */
const KCAT_PRODUCER_OPTIONS = ['-X', 'linger.ms=100', '-X', 'batch.num.messages=1000', '-X', 'message.timeout.ms=15000'];

/** Runs `kcat -P` against `port`, feeding {@link KCAT_MESSAGES} on stdin; resolves when kcat exits. */
export function produceWithKcat(port: number, topic: string, codec: KcatCodec, extraArgs: readonly string[] = []): Promise<ProcessResult> {
  const args = ['-b', `127.0.0.1:${port}`, '-t', topic, '-P', '-K:', '-H', 'h1=v1', ...KCAT_PRODUCER_OPTIONS, ...extraArgs];
  if (codec !== 'none') args.push('-z', codec);
  const input = KCAT_MESSAGES.map((m) => `${m.key}:${m.value}\n`).join('');
  return runProcess('kcat', args, { input, timeoutMs: 25_000 });
}

/** What the kafka-python producer sends; the value is long and repetitive because kafka-python
 * sends a batch uncompressed when compression does not make it smaller. */
export const KAFKA_PYTHON_MESSAGES: readonly SentMessage[] = [{ key: 'pk', value: 'python value '.repeat(20), headers: { h1: 'v1' } }];

const KAFKA_PYTHON_PRODUCER = `
import json, sys
from kafka import KafkaProducer
port, topic, compression, messages = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
producer = KafkaProducer(bootstrap_servers='127.0.0.1:' + port, client_id='golden-py',
                         compression_type=(None if compression == 'none' else compression),
                         request_timeout_ms=15000, max_block_ms=15000)
for m in messages:
    headers = [(k, v.encode()) for k, v in m['headers'].items()]
    producer.send(topic, key=m['key'].encode(), value=m['value'].encode(), headers=headers).get(timeout=15)
producer.flush(timeout=15)
producer.close(timeout=5)
print('sent')
`;

/** Runs a kafka-python 2.0.2 producer (Debian's, via /usr/bin/python3) sending {@link KAFKA_PYTHON_MESSAGES}. */
export function produceWithKafkaPython(port: number, topic: string, compression: 'none' | 'gzip'): Promise<ProcessResult> {
  const args = ['-c', KAFKA_PYTHON_PRODUCER, String(port), topic, compression, JSON.stringify(KAFKA_PYTHON_MESSAGES)];
  return runProcess('/usr/bin/python3', args, { timeoutMs: 25_000 });
}
