import { connect, type Socket } from 'node:net';
import { Partitioners } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import type { BrokerLogger } from '../../../src/broker/logger.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { closeRawConnections, expectSuccess, kafkajsClient, kcat, openRaw, startKafka, stopKafkas, type RawConnection } from '../../support/broker-harness.js';
import { killChildren } from '../../support/produced-batches.js';
import { waitFor } from '../../support/wait-for.js';

// Kafka's connection limits: max.connections.per.ip (and its overrides), max.connections and
// connections.max.idle.ms. Refused and reaped connections are logged at WARN with the peer's
// address, and a request that trickles in holds only the bytes that arrived.

/** A logger that keeps the WARN lines. */
function capturingLogger(): BrokerLogger & { warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => undefined;
  return { warnings, debug: ignore, info: ignore, warn: (m) => warnings.push(m), error: ignore };
}

const apiVersions = (c: RawConnection) => c.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });

/** A socket from a given local address (Linux routes all of 127.0.0.0/8 to the loopback). */
function socketFrom(localAddress: string, address: string): Promise<Socket> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

afterEach(() => {
  closeRawConnections();
  killChildren();
});
afterAll(() => stopKafkas());

describe('max.connections.per.ip', () => {
  const PER_IP = 4;
  const log = capturingLogger();
  let kafka: EmbeddedKafka;
  let bootstrap: string;
  const open = () => kafka.broker().instance.connectionStats().length;

  beforeAll(async () => {
    kafka = await startKafka({ logger: log, config: { 'max.connections.per.ip': PER_IP, 'max.connections.per.ip.overrides': '127.0.0.2:1' } });
    bootstrap = kafka.bootstrapServers[0]!;
  });

  it('refuses the connection past the limit with a WARN naming the address; a kafkajs client works once the others close', async () => {
    const allowed = [];
    for (let i = 0; i < PER_IP; i++) allowed.push(await openRaw(bootstrap, `allowed-${i}`));
    for (const connection of allowed) expect((await apiVersions(connection)).errorCode).toBe(0);

    const refused = await openRaw(bootstrap, 'one-too-many');
    expect(await refused.closesWithin()).toBe(true);
    expect(log.warnings.some((w) => w.startsWith('refusing connection from 127.0.0.1:') && w.includes(`maximum of ${PER_IP} connections (max.connections.per.ip)`))).toBe(true);
    // The connections within the limit are untouched.
    expect((await apiVersions(allowed[0]!)).errorCode).toBe(0);

    for (const connection of allowed) connection.destroy();
    await waitFor(() => open() === 0, { what: 'the broker to release the closed connections' });

    const client = kafkajsClient(bootstrap, 'after-the-limit');
    const producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await producer.connect();
    const [sent] = await producer.send({ topic: 'per-ip', messages: [{ key: 'k', value: 'within the limit' }] });
    await producer.disconnect();
    const read = expectSuccess(await kcat(['-b', bootstrap, '-C', '-t', 'per-ip', '-p', '0', '-o', String(sent!.baseOffset), '-c', '1', '-e', '-q', '-f', '%k %s\\n']), 'kcat');
    expect(read.stdout).toBe('k within the limit\n');
  });

  it('max.connections.per.ip.overrides gives one address its own limit', async () => {
    const first = await socketFrom('127.0.0.2', bootstrap);
    await waitFor(() => open() === 1, { what: 'the first connection from 127.0.0.2' });
    const second = await socketFrom('127.0.0.2', bootstrap);
    second.on('error', () => undefined);
    await closed(second);
    expect(log.warnings.some((w) => w.startsWith('refusing connection from 127.0.0.2:') && w.includes('maximum of 1 connections (max.connections.per.ip.overrides)'))).toBe(true);
    // Other addresses keep the general limit.
    const other = await openRaw(bootstrap, 'loopback');
    expect((await apiVersions(other)).errorCode).toBe(0);
    expect(first.destroyed).toBe(false);
    first.destroy();
  });
});

describe('max.connections', () => {
  it('refuses connections past the broker-wide limit and takes new ones when a slot frees', async () => {
    const log = capturingLogger();
    const kafka = await startKafka({ logger: log, config: { 'max.connections': 2 } });
    const bootstrap = kafka.bootstrapServers[0]!;
    const a = await openRaw(bootstrap, 'a');
    const b = await openRaw(bootstrap, 'b');
    expect((await apiVersions(b)).errorCode).toBe(0);
    const c = await openRaw(bootstrap, 'c');
    expect(await c.closesWithin()).toBe(true);
    expect(log.warnings.some((w) => /^refusing connection from 127\.0\.0\.1:\d+: .*maximum of 2 connections \(max\.connections\)/.test(w))).toBe(true);
    a.destroy();
    await waitFor(() => kafka.broker().instance.connectionStats().length === 1, { what: 'the slot to free' });
    const d = await openRaw(bootstrap, 'd');
    expect((await apiVersions(d)).errorCode).toBe(0);
  });

  it('rejects an override that is not ip:count, naming the key', async () => {
    await expect(startKafka({ config: { 'max.connections.per.ip.overrides': 'broker-host:3' } })).rejects.toThrow(/max\.connections\.per\.ip\.overrides/);
  });
});

describe('connections.max.idle.ms', () => {
  const IDLE_MS = 400;
  const log = capturingLogger();
  let kafka: EmbeddedKafka;
  let bootstrap: string;
  const stats = () => kafka.broker().instance.connectionStats();

  beforeAll(async () => {
    kafka = await startKafka({ logger: log, config: { 'connections.max.idle.ms': IDLE_MS } });
    bootstrap = kafka.bootstrapServers[0]!;
  });

  it('closes a connection that sends nothing, with a WARN naming the peer', async () => {
    const silent = await openRaw(bootstrap, 'silent');
    expect((await apiVersions(silent)).errorCode).toBe(0);
    expect(await silent.closesWithin(10_000)).toBe(true);
    expect(log.warnings.some((w) => /^closing connection from 127\.0\.0\.1:\d+: idle for connections\.max\.idle\.ms \(400 ms\)$/.test(w))).toBe(true);
  });

  it('keeps a connection whose long-poll Fetch outlasts the idle time, and reaps it once answered', async () => {
    const connection = await openRaw(bootstrap, 'long-poll');
    const created = await connection.request(ApiKeys.CreateTopics, 7, { topics: [{ name: 'idle-fetch', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    expect(created.topics[0]!.errorCode).toBe(0);
    const maxWaitMs = IDLE_MS * 5;
    const fetched = await connection.request(
      ApiKeys.Fetch,
      12,
      {
        replicaId: -1,
        maxWaitMs,
        minBytes: 1,
        maxBytes: 1 << 20,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'idle-fetch', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [],
        rackId: '',
      },
      maxWaitMs * 10,
    );
    // The empty long poll was answered: the broker did not close the connection while it waited.
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(0);
    expect(connection.isClosed).toBe(false);
    expect(await connection.closesWithin(10_000)).toBe(true);
  });

  it('a request that trickles in holds only the bytes sent, and is reaped with a WARN', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const trickle = await openRaw(bootstrap, 'trickle');
    const header = Buffer.alloc(4);
    header.writeInt32BE(100_000_000);
    await trickle.write(Buffer.concat([header, Buffer.alloc(10, 1)]));
    const held = await waitFor(() => stats().find((s) => s.bufferedRequestBytes > 0), { what: 'the partial request to arrive' });
    expect(held.bufferedRequestBytes).toBe(14);
    expect(held.pendingResponses).toBe(0);
    // A reader that allocated the declared size up front would hold ~100 MB here.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50_000_000);
    expect(await trickle.closesWithin(10_000)).toBe(true);
    expect(log.warnings.some((w) => w.startsWith(`closing connection from ${held.clientAddress}: idle`) && w.endsWith('with 14 bytes of an incomplete request'))).toBe(true);
    await waitFor(() => stats().every((s) => s.clientAddress !== held.clientAddress), { what: 'the connection to be released' });
  });
});
