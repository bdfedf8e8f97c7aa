import type { CompressionTypes, ConsumerConfig, KafkaConfig, ProducerConfig } from 'kafkajs';
import kafkajs from 'kafkajs';
import { KAFKA_CONSUMER_PROPERTY_NAMES, parseConsumerOverrides, type ConsumerSettings } from '../core/consumer-config.js';
import { didYouMean } from './did-you-mean.js';
import type { ProblemCollector } from './invalid-configuration-exception.js';
import type { MapEntry } from './kafka-properties.js';
import { ConversionError } from './value-converters.js';

/** What Kafka's own property names (the `properties.*` maps) turn into, per client type. */
export interface ClientPropertyOverrides {
  kafka: Partial<KafkaConfig>;
  consumer: ConsumerSettings;
  producer: ProducerConfig;
  send: { acks?: number; compression?: CompressionTypes };
  /** The template's batching (`linger.ms`, `batch.size`). */
  batching: { lingerMs?: number; batchSize?: number };
}

type Target = 'common' | 'producer' | 'consumer';
interface NameMapping {
  readonly target: Target;
  apply(value: string, into: ClientPropertyOverrides): void;
}

const number = (value: string): number => {
  if (!/^-?\d+$/.test(value.trim())) throw new ConversionError(`expected a whole number, got '${value}'`);
  return Number(value);
};
const flag = (value: string): boolean => {
  if (!/^(true|false)$/i.test(value.trim())) throw new ConversionError(`expected true or false, got '${value}'`);
  return value.trim().toLowerCase() === 'true';
};

export function acksOf(value: string): number {
  const text = value.trim().toLowerCase();
  if (text === 'all' || text === '-1') return -1;
  if (text === '0' || text === '1') return Number(text);
  throw new ConversionError(`expected all, -1, 0 or 1, got '${value}'`);
}

export function compressionOf(value: string): CompressionTypes {
  const text = value.trim().toLowerCase();
  if (text === 'none') return kafkajs.CompressionTypes.None;
  if (text === 'gzip') return kafkajs.CompressionTypes.GZIP;
  throw new ConversionError(`expected none or gzip (kafkajs ships no ${text} codec), got '${value}'`);
}

/** Kafka property names kafkajs honours, and where each goes. */
const NAMES: Record<string, NameMapping> = {
  'client.id': { target: 'common', apply: (v, o) => (o.kafka.clientId = v) },
  'request.timeout.ms': { target: 'common', apply: (v, o) => (o.kafka.requestTimeout = number(v)) },
  'socket.connection.setup.timeout.ms': { target: 'common', apply: (v, o) => (o.kafka.connectionTimeout = number(v)) },
  'retry.backoff.ms': { target: 'common', apply: (v, o) => (o.kafka.retry = { ...o.kafka.retry, initialRetryTime: number(v) }) },
  acks: { target: 'producer', apply: (v, o) => (o.send.acks = acksOf(v)) },
  'compression.type': { target: 'producer', apply: (v, o) => (o.send.compression = compressionOf(v)) },
  retries: { target: 'producer', apply: (v, o) => (o.producer.retry = { ...o.producer.retry, retries: number(v) }) },
  'enable.idempotence': { target: 'producer', apply: (v, o) => (o.producer.idempotent = flag(v)) },
  'transaction.timeout.ms': { target: 'producer', apply: (v, o) => (o.producer.transactionTimeout = number(v)) },
  'linger.ms': { target: 'producer', apply: (v, o) => (o.batching.lingerMs = number(v)) },
  'batch.size': { target: 'producer', apply: (v, o) => (o.batching.batchSize = number(v)) },
  'delivery.timeout.ms': { target: 'producer', apply: (v, o) => (o.kafka.requestTimeout = number(v)) },
};
for (const [name, mapping] of Object.entries(KAFKA_CONSUMER_PROPERTY_NAMES)) {
  NAMES[name] = {
    target: 'consumer',
    apply: (value, into) => {
      if (mapping.parse === Number) number(value);
      if (name === 'allow.auto.create.topics') flag(value);
      if (name === 'isolation.level' && !/^read_(un)?committed$/.test(value.trim())) throw new ConversionError(`expected read_committed or read_uncommitted, got '${value}'`);
      if (name === 'auto.offset.reset' && !/^(earliest|latest|none)$/.test(value.trim())) throw new ConversionError(`expected earliest, latest or none, got '${value}'`);
      Object.assign(into.consumer, parseConsumerOverrides([`${name}=${value}`]));
    },
  };
}
// max.in.flight.requests.per.connection is the same kafkajs setting for producers.
NAMES['max.in.flight.requests.per.connection'] = {
  target: 'common',
  apply: (v, o) => {
    o.producer.maxInFlightRequests = number(v);
    (o.consumer as Partial<ConsumerConfig>).maxInFlightRequests = number(v);
  },
};

/** Names people carry over from Java that kafkajs cannot honour, with the reason. */
const REFUSED: Record<string, string> = {
  'buffer.memory': 'kafkajs has no send buffer',
  'max.poll.records': 'kafkajs fetches by size; use max.partition.fetch.bytes or fetch.max.bytes',
  'enable.auto.commit': 'listener containers commit by listener.ack-mode',
  'auto.commit.interval.ms': 'listener containers commit by listener.ack-mode; use TIME with ack-time',
  'key.serializer': 'use producer.key-serializer',
  'value.serializer': 'use producer.value-serializer',
  'key.deserializer': 'use consumer.key-deserializer',
  'value.deserializer': 'use consumer.value-deserializer',
  'transactional.id': 'use producer.transaction-id-prefix',
  'bootstrap.servers': 'use bootstrap-servers',
  'security.protocol': 'use security.protocol',
  'sasl.jaas.config': 'use sasl.username and sasl.password',
  'sasl.mechanism': 'use sasl.mechanism',
};

export function emptyOverrides(): ClientPropertyOverrides {
  return { kafka: {}, consumer: {}, producer: {}, send: {}, batching: {} };
}

/**
 * Applies one `properties` map to the overrides of a client type ('all' for the root map:
 * each name goes to the clients it concerns). Unknown names and names meant for another
 * client type are problems.
 */
export function applyPropertyMap(entries: readonly MapEntry[], mapKey: string, clientType: 'all' | 'consumer' | 'producer' | 'admin', into: ClientPropertyOverrides, problems: ProblemCollector): void {
  for (const entry of entries) {
    const key = `streamwright.kafka.${mapKey}[${entry.name}]`;
    const mapping = Object.hasOwn(NAMES, entry.name) ? NAMES[entry.name] : undefined;
    if (!mapping) {
      const refused = Object.hasOwn(REFUSED, entry.name) ? REFUSED[entry.name] : undefined;
      const message = refused ? `cannot be honoured: ${refused}` : "is not a Kafka client property that kafkajs can honour";
      problems.add({ key, origin: entry.origin, message, suggestion: refused ? undefined : didYouMean(entry.name, Object.keys(NAMES)) });
      continue;
    }
    if (clientType !== 'all' && mapping.target !== 'common' && mapping.target !== clientType) {
      problems.add({ key, origin: entry.origin, message: `is a ${mapping.target} property, not an ${clientType} one` });
      continue;
    }
    try {
      mapping.apply(entry.value, into);
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      problems.add({ key, origin: entry.origin, message: error.message });
    }
  }
}
