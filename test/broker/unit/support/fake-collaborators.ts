import type { BrokerContext } from '../../../../src/broker/broker-context.js';
import { systemClock } from '../../../../src/broker/clock.js';
import type { BrokerEndpoint } from '../../../../src/broker/cluster/broker-endpoint.js';
import type { PartitionAssignment, TopicMetadata } from '../../../../src/broker/cluster/cluster-metadata.js';
import type { ClusterMembership } from '../../../../src/broker/cluster/cluster-membership.js';
import type { ConfigValue } from '../../../../src/broker/config/broker-config.js';
import { BrokerConfig } from '../../../../src/broker/config/broker-config.js';
import type { ApiHandler, RequestContext } from '../../../../src/broker/handlers/api-handler.js';
import { consoleLogger } from '../../../../src/broker/logger.js';
import type { KnownApiKey, RequestOf, ResponseOf } from '../../../../src/protocol/codec.js';
import { ByteReader } from '../../../../src/protocol/primitives/byte-reader.js';
import { PreEncoded } from '../../../../src/protocol/schema/field-codec.js';
import type { MessageInput } from '../../../../src/protocol/input.js';

// Plain in-memory stand-ins for a handler's collaborators: a unit test builds a handler from
// these and calls it directly, without a broker, a socket or a data directory.

export function fakeContext(config: Readonly<Record<string, ConfigValue>> = {}, nodeId = 1): BrokerContext {
  return { nodeId, config: new BrokerConfig(config), logger: consoleLogger('silent'), clock: systemClock };
}

/** A topic whose partition `p` is led by `leaders[p]`, replicated on `replicas` (the leader first). */
export function fakeTopic(name: string, leaders: readonly number[], replicas: readonly number[] = []): TopicMetadata {
  const partitions: PartitionAssignment[] = leaders.map((leaderId, partition) => {
    const all = [leaderId, ...replicas.filter((id) => id !== leaderId)];
    return { partition, leaderId, leaderEpoch: 0, replicas: all, isr: [...all] };
  });
  return { name, topicId: `id-of-${name}`, partitions, configs: {} };
}

/** The read side of the cluster metadata, over a list of topics the test may change. */
export class FakeMetadata {
  readonly clusterId = 'fake-cluster';
  readonly byName = new Map<string, TopicMetadata>();

  constructor(topics: readonly TopicMetadata[] = []) {
    for (const topic of topics) this.byName.set(topic.name, topic);
  }

  get topics(): IterableIterator<TopicMetadata> {
    return this.byName.values();
  }
  topic(name: string): TopicMetadata | undefined {
    return this.byName.get(name);
  }
  topicById(id: string): TopicMetadata | undefined {
    return [...this.byName.values()].find((t) => t.topicId === id);
  }
  /** One revision for everything: a test that changes a topic calls changed(). */
  private revision = 0;
  changed(): void {
    this.revision++;
  }
  topicRevision(): number {
    return this.revision;
  }
  get brokersRevision(): number {
    return this.revision;
  }
}

/** Live brokers with an address on each named listener; the lowest live id is the controller. */
export class FakeMembership implements ClusterMembership {
  constructor(
    readonly live: number[],
    private readonly listeners: readonly string[] = ['PLAINTEXT'],
  ) {}

  liveBrokers(listener?: string): BrokerEndpoint[] {
    return this.live.flatMap((nodeId) => {
      if (listener !== undefined && !this.listeners.includes(listener)) return [];
      const port = 9000 + nodeId;
      return [{ nodeId, host: `broker-${nodeId}`, port, listeners: Object.fromEntries(this.listeners.map((l) => [l, { host: `broker-${nodeId}`, port }])) }];
    });
  }
  isLive(nodeId: number): boolean {
    return this.live.includes(nodeId);
  }
  controllerId(): number {
    return Math.min(...this.live);
  }
}

/** What a handler is told about a request it did not read off a socket. */
export function requestContext(apiKey: KnownApiKey, apiVersion: number): RequestContext {
  return { header: { apiKey, apiVersion, correlationId: 7, clientId: 'unit' }, clientAddress: 'unit-test:0' };
}

/** Runs a handler and returns its response body (failing on NO_RESPONSE or CLOSE_CONNECTION). */
export async function answer<K extends KnownApiKey>(handler: ApiHandler<K>, request: RequestOf<K>, context: RequestContext): Promise<MessageInput<ResponseOf<K>>> {
  const result = await handler.handle(request, context);
  if (typeof result === 'symbol') throw new Error(`the handler answered ${String(result)}`);
  return result;
}

/** An array the handler answered pre-encoded (protocol/schema/field-codec.ts PreEncoded), read back as a client reads it. */
export function readPreEncoded<T>(value: unknown): T[] {
  if (!(value instanceof PreEncoded)) throw new Error('expected a pre-encoded array');
  return value.codec.read(new ByteReader(value.bytes)) as T[];
}
