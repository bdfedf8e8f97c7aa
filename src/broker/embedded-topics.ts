// Declarative topics of `EmbeddedKafka.start({ topics })`, as Spring's `@EmbeddedKafka(topics,
// partitions)`: created over the wire once the brokers listen, exactly as a client would.
import { ClusterClient, type ClusterClientOptions } from '../client/cluster-client.js';
import { SASL_CLIENT_MECHANISMS } from '../client/sasl-authenticator.js';
import { ErrorCode, KafkaProtocolError } from '../protocol/error-codes.js';
import { ApiKeys } from '../protocol/generated/messages.js';
import type { ConfigValue } from './config/broker-config.js';
import { usesSasl, usesTls, type Listener } from './security/listeners.js';

/** A topic to create at start-up; unset values take the broker's defaults (`num.partitions`, `default.replication.factor`). */
export interface EmbeddedTopic {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  /** Topic configs with Kafka's names, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, ConfigValue>;
}

/** Turns the `topics` option into full descriptions; bad entries are a clear error before anything starts. */
export function embeddedTopics(topics: readonly (string | EmbeddedTopic)[], defaultPartitions: number | undefined): EmbeddedTopic[] {
  if (defaultPartitions !== undefined && (!Number.isInteger(defaultPartitions) || defaultPartitions < 1)) throw new RangeError(`partitions must be a positive integer, got ${defaultPartitions}`);
  const seen = new Set<string>();
  return topics.map((entry) => {
    const topic = typeof entry === 'string' ? { name: entry } : entry;
    if (typeof topic?.name !== 'string' || topic.name === '') throw new TypeError(`a topic needs a name, got ${JSON.stringify(entry)}`);
    if (seen.has(topic.name)) throw new TypeError(`topic ${topic.name} is listed twice`);
    seen.add(topic.name);
    for (const key of ['partitions', 'replicationFactor'] as const) {
      const value = topic[key];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new RangeError(`${key} of topic ${topic.name} must be a positive integer, got ${value}`);
    }
    return { ...topic, partitions: topic.partitions ?? defaultPartitions };
  });
}

/**
 * Creates the topics (one that already exists, in a reused data dir, is kept as it is) and waits
 * until every partition has a leader, so clients can use them at once.
 */
export async function createEmbeddedTopics(access: TopicAdminAccess, topics: readonly EmbeddedTopic[]): Promise<void> {
  if (topics.length === 0) return;
  const client = await ClusterClient.connect({ ...access, clientId: 'embedded-kafka-topics' });
  try {
    const connection = await client.controllerConnection();
    const response = await connection.request(ApiKeys.CreateTopics, connection.versionFor(ApiKeys.CreateTopics, { min: 4 }), {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      })),
      timeoutMs: 30_000,
      validateOnly: false,
    });
    for (const result of response.topics) {
      if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
        throw new KafkaProtocolError(result.errorCode, `creating topic ${result.name}: ${result.errorMessage ?? ''}`.trim());
      }
    }
    await client.readyTopics(topics.map((t) => t.name));
  } finally {
    client.close();
  }
}

/** Where and how the topics are created: a listener's bootstrap servers, with its TLS and SASL settings. */
export type TopicAdminAccess = Pick<ClusterClientOptions, 'bootstrapServers' | 'tls' | 'sasl'>;

/** What {@link topicAdminAccess} needs to know of the embedded brokers. */
export interface EmbeddedSecurity {
  readonly listeners: readonly Listener[];
  bootstrapServersFor(listener: string): string[];
  /** The throwaway CA and client certificate, when the brokers have TLS listeners. */
  readonly tls: { readonly ca: string; readonly client: { readonly cert: string; readonly key: string } } | null;
  /** The `sasl.users` of the options, and the mechanisms the brokers enable. */
  readonly users: ReadonlyArray<{ username: string; password: string; mechanisms?: string[] }>;
  readonly enabledMechanisms: readonly string[];
}

/**
 * The listener the declared topics are created through, as a client of the brokers: a plain
 * one when there is one, else a TLS one with the generated client certificate, else a SASL one
 * with the first of `sasl.users` (PLAIN when the user has it, else SCRAM).
 */
export function topicAdminAccess(security: EmbeddedSecurity): TopicAdminAccess {
  const rank = (l: Listener) => (usesSasl(l.protocol) ? 2 : 0) + (usesTls(l.protocol) ? 1 : 0);
  const listener = [...security.listeners].sort((a, b) => rank(a) - rank(b))[0];
  if (!listener) throw new Error('the embedded broker has no listener');
  const access: TopicAdminAccess = { bootstrapServers: security.bootstrapServersFor(listener.name) };
  if (usesTls(listener.protocol) && security.tls) access.tls = { ca: security.tls.ca, cert: security.tls.client.cert, key: security.tls.client.key };
  if (usesSasl(listener.protocol)) {
    const supported = SASL_CLIENT_MECHANISMS.filter((m) => security.enabledMechanisms.includes(m));
    for (const user of security.users) {
      const mechanism = supported.find((m) => (user.mechanisms?.map((u) => u.toUpperCase()) ?? supported).includes(m));
      if (mechanism) return { ...access, sasl: { mechanism, username: user.username, password: user.password } };
    }
    throw new Error(`topics cannot be created through listener ${listener.name}: it needs SASL, and no user of sasl.users has one of the mechanisms ${supported.join(', ') || '(none enabled)'}`);
  }
  return access;
}
