import type { PropertyType } from './value-converters.js';

/** One `streamwright.kafka.*` property: its type, default, Spring Boot name and meaning. */
export interface KafkaPropertyDefinition {
  /** Relative to `streamwright.kafka.`, canonical (kebab-case). */
  readonly key: string;
  readonly type: PropertyType;
  /** The default, as documented (unset means kafkajs' or the framework's own default applies). */
  readonly defaultValue?: string;
  /** The `spring.kafka.*` key it corresponds to; `-` when Spring Boot has none. */
  readonly spring: string;
  readonly description: string;
  /**
   * Set when kafkajs or the framework cannot honour the key: setting it is a configuration
   * error (with this reason), except to `accepts`, the behaviour the framework has anyway.
   */
  readonly unsupported?: { readonly reason: string; readonly accepts?: string };
}

const ACK_MODES = ['RECORD', 'BATCH', 'TIME', 'COUNT', 'COUNT_TIME', 'MANUAL', 'MANUAL_IMMEDIATE'];
const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
/** Serializer names (Kafka's and Spring's class names, or the framework's) that map to the framework's serializers. */
export const SERIALIZER_NAMES = ['StringSerializer', 'JsonSerializer', 'ByteArraySerializer', 'BytesSerializer'];
export const DESERIALIZER_NAMES = ['StringDeserializer', 'JsonDeserializer', 'ByteArrayDeserializer', 'BytesDeserializer', 'ErrorHandlingDeserializer'];

function def(key: string, type: PropertyType, description: string, extra: Partial<KafkaPropertyDefinition> = {}): KafkaPropertyDefinition {
  return { key, type, description, spring: `spring.kafka.${key}`, ...extra };
}

function unsupported(key: string, type: PropertyType, reason: string, accepts?: string, spring = `spring.kafka.${key}`): KafkaPropertyDefinition {
  return { key, type, spring, description: `Not supported: ${reason}`, unsupported: { reason, accepts } };
}

/** Keys whose values are maps of Kafka's own property names (`properties.session.timeout.ms`). */
export const MAP_KEYS = ['properties', 'consumer.properties', 'producer.properties', 'admin.properties'];

/** Client-type groups that accept the common client keys (bootstrap-servers, client-id, security, ssl). */
export const CLIENT_TYPES = ['consumer', 'producer', 'admin'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

const SSL_KEYS: KafkaPropertyDefinition[] = [
  def('ssl.trust-store-certificates', 'string', 'PEM CA certificate(s), inline; the kafkajs `ssl.ca`.'),
  def('ssl.trust-store-location', 'string', 'A PEM file of CA certificates (trust-store-type PEM), read at start-up into `ssl.ca`.'),
  def('ssl.trust-store-type', { oneOf: ['PEM'] }, 'Only PEM: Node has no JKS or PKCS12 trust stores.', { defaultValue: 'PEM' }),
  def('ssl.key-store-certificate-chain', 'string', 'PEM client certificate chain, inline; the kafkajs `ssl.cert`.'),
  def('ssl.key-store-key', 'string', 'PEM private key, inline; the kafkajs `ssl.key`.'),
  def('ssl.key-store-location', 'string', 'A PEM file (certificate chain and key) or, with key-store-type PKCS12, a .p12 file (`ssl.pfx`).'),
  def('ssl.key-store-type', { oneOf: ['PEM', 'PKCS12'] }, 'PEM or PKCS12 (JKS is Java-only).', { defaultValue: 'PEM' }),
  def('ssl.key-store-password', 'string', 'Password of a PKCS12 key store (`ssl.passphrase`).'),
  def('ssl.key-password', 'string', 'Password of an encrypted PEM key (`ssl.passphrase`).'),
  unsupported('ssl.bundle', 'string', 'Spring SSL bundles do not exist here; use the ssl.* keys'),
  unsupported('ssl.protocol', 'string', 'Node negotiates the TLS version itself'),
];

function clientKeys(prefix: string): KafkaPropertyDefinition[] {
  return [
    def(`${prefix}.bootstrap-servers`, 'list', `Brokers of the ${prefix} only (overrides bootstrap-servers).`),
    def(`${prefix}.client-id`, 'string', `Client id of the ${prefix} (overrides client-id).`),
    def(`${prefix}.security.protocol`, { oneOf: SECURITY_PROTOCOLS }, `Security protocol of the ${prefix} (overrides security.protocol).`),
    ...SSL_KEYS.map((k) => ({ ...k, key: `${prefix}.${k.key}`, spring: k.spring.replace('spring.kafka.', `spring.kafka.${prefix}.`), description: `${k.description} For the ${prefix} only.` })),
  ];
}

export const KAFKA_PROPERTIES: readonly KafkaPropertyDefinition[] = [
  def('bootstrap-servers', 'list', 'Brokers to connect to (`host:port`, comma-separated or a list); the kafkajs `brokers`. Replaces `kafka.brokers` in code.', { defaultValue: 'none: required here or in code' }),
  def('client-id', 'string', 'Client id of every client; the kafkajs `clientId`.', { defaultValue: 'streamwright' }),
  def('security.protocol', { oneOf: SECURITY_PROTOCOLS }, 'PLAINTEXT, SSL (kafkajs `ssl`), SASL_PLAINTEXT or SASL_SSL (kafkajs `sasl`, with `ssl` for SASL_SSL).', { defaultValue: 'PLAINTEXT' }),
  ...SSL_KEYS,
  def('sasl.mechanism', { oneOf: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] }, "SASL mechanism (Kafka's `sasl.mechanism`); the kafkajs `sasl.mechanism`.", { spring: 'spring.kafka.properties[sasl.mechanism]' }),
  def('sasl.username', 'string', 'SASL user name (in Spring, inside `sasl.jaas.config`).', { spring: 'spring.kafka.properties[sasl.jaas.config]' }),
  def('sasl.password', 'string', 'SASL password (in Spring, inside `sasl.jaas.config`).', { spring: 'spring.kafka.properties[sasl.jaas.config]' }),

  // consumer
  ...clientKeys('consumer'),
  def('consumer.group-id', 'string', 'Default group of every listener without its own `groupId`/`id`.'),
  def('consumer.auto-offset-reset', { oneOf: ['earliest', 'latest', 'none'] }, 'Where a group without a committed offset starts (kafkajs `fromBeginning`); `none` stops a consumer assigned a partition without one (ConsumerStoppedEvent reason NO_OFFSET).', { defaultValue: 'earliest (Kafka: latest)' }),
  def('consumer.enable-auto-commit', 'boolean', 'Only `false`: containers commit by their ack-mode (use ack-mode TIME for periodic commits).', { defaultValue: 'false', unsupported: { reason: 'listener containers commit offsets themselves by listener.ack-mode; use ack-mode TIME with ack-time for periodic commits', accepts: 'false' } }),
  unsupported('consumer.auto-commit-interval', 'duration', 'kafkajs auto-commit is not used by listener containers; use listener.ack-mode=TIME with listener.ack-time'),
  unsupported('consumer.max-poll-records', 'int', 'kafkajs fetches by size, not by record count; bound a fetch with consumer.properties[max.partition.fetch.bytes] or [fetch.max.bytes]'),
  def('consumer.max-poll-interval', 'duration', "How long a member may take between polls before the group rebalances; the kafkajs `rebalanceTimeout` (Kafka's max.poll.interval.ms)."),
  def('consumer.fetch-min-size', 'size', 'The least data a fetch waits for; the kafkajs `minBytes`.', { defaultValue: '1B' }),
  def('consumer.fetch-max-wait', 'duration', 'How long a fetch waits for fetch-min-size; the kafkajs `maxWaitTimeInMs`.', { defaultValue: '500ms (kafkajs: 5s)' }),
  def('consumer.heartbeat-interval', 'duration', 'Heartbeat interval; the kafkajs `heartbeatInterval`.', { defaultValue: '3s' }),
  def('consumer.isolation-level', { oneOf: ['read_committed', 'read_uncommitted'] }, '`read-committed` skips records of aborted and open transactions (kafkajs `readUncommitted: false`).', { defaultValue: 'read_committed (Spring Boot: read_uncommitted)' }),
  def('consumer.key-deserializer', { oneOf: DESERIALIZER_NAMES }, "Key deserializer, by Kafka's/Spring's class name (package optional).", { defaultValue: 'StringDeserializer' }),
  def('consumer.value-deserializer', { oneOf: DESERIALIZER_NAMES }, "Value deserializer, by Kafka's/Spring's class name (package optional). Listener parameters are converted from the text by their declared type. ErrorHandlingDeserializer wraps the one `consumer.properties[spring.deserializer.value.delegate.class]` names; `consumer.properties[spring.json.*]` configure a JsonDeserializer (docs/configuration.md).", { defaultValue: 'StringDeserializer' }),

  // producer
  ...clientKeys('producer'),
  def('producer.acks', { oneOf: ['all', '-1', '0', '1'] }, 'Acknowledgements each send waits for; the kafkajs send `acks` (`all` = -1).', { defaultValue: 'all' }),
  def('producer.retries', 'int', 'Retries of a failed send; the kafkajs `retry.retries`.', { defaultValue: '5 (kafkajs)' }),
  def('producer.batch-size', 'size', "KafkaTemplate's batches: a partition's queued records go out once they reach this size; 0 sends every record in its own request.", { defaultValue: '16KB' }),
  def('producer.linger-ms', 'duration', 'KafkaTemplate batching: how long sends wait to share a produce request (0 groups the sends started in the same event-loop turn).', { defaultValue: '0', spring: 'spring.kafka.producer.properties[linger.ms]' }),
  unsupported('producer.buffer-memory', 'size', 'kafkajs has no send buffer'),
  def('producer.compression-type', { oneOf: ['none', 'gzip'] }, 'Compression of sent batches; kafkajs has a gzip codec built in (snappy, lz4 and zstd need codecs kafkajs does not ship).', { defaultValue: 'none' }),
  def('producer.transaction-id-prefix', 'string', 'Makes the producer factory and KafkaTemplate transactional and binds a KafkaTransactionManager (docs/transactions.md).'),
  def('producer.key-serializer', { oneOf: SERIALIZER_NAMES }, "Key serializer, by Kafka's/Spring's class name.", { defaultValue: 'StringSerializer' }),
  def('producer.value-serializer', { oneOf: SERIALIZER_NAMES }, "Value serializer, by Kafka's/Spring's class name.", { defaultValue: 'JsonSerializer (Spring Boot: StringSerializer)' }),

  // listener (the auto-configured container factory)
  def('listener.type', { oneOf: ['single', 'batch'] }, '`batch` makes listeners batch listeners by default.', { defaultValue: 'single' }),
  def('listener.ack-mode', { oneOf: ACK_MODES }, 'When offsets are committed (docs/ack-modes.md).', { defaultValue: 'BATCH' }),
  def('listener.ack-count', 'int', 'Records between commits for COUNT and COUNT_TIME.', { defaultValue: '1' }),
  def('listener.ack-time', 'duration', 'Time between commits for TIME and COUNT_TIME.', { defaultValue: '5s' }),
  def('listener.concurrency', 'int', 'Consumers per listener container.', { defaultValue: '1' }),
  def('listener.client-id', 'string', 'Client id prefix of the containers\' consumers (`-n` appended).'),
  def('listener.idle-event-interval', 'duration', 'Publish a ListenerContainerIdleEvent after this long without records.'),
  def('listener.auth-exception-retry-interval', 'duration', 'Retry an authentication/authorization failure after this long instead of stopping the consumer (containerProperties.authExceptionRetryInterval).'),
  def('listener.auto-startup', 'boolean', 'Start the containers with the application.', { defaultValue: 'true' }),
  def('listener.immediate-stop', 'boolean', 'Stop after the record in hand rather than the rest of the batch.', { defaultValue: 'true (Spring: false)' }),
  def('listener.missing-topics-fatal', 'boolean', 'Only `false`: a container subscribes to missing topics and waits for them.', { defaultValue: 'false', unsupported: { reason: 'containers do not check topics before subscribing; declare topics with TopicBuilder so they are created at start', accepts: 'false' } }),
  unsupported('listener.poll-timeout', 'duration', 'kafkajs has no poll(); a fetch waits up to consumer.fetch-max-wait'),
  unsupported('listener.async-acks', 'boolean', 'out-of-order manual acks are not supported', 'false'),
  unsupported('listener.no-poll-threshold', 'number', 'kafkajs has no poll loop to monitor'),
  unsupported('listener.monitor-interval', 'duration', 'kafkajs has no poll loop to monitor'),
  unsupported('listener.idle-between-polls', 'duration', 'kafkajs has no poll loop', '0'),
  unsupported('listener.idle-partition-event-interval', 'duration', 'only container-level idle events (listener.idle-event-interval) are published'),
  unsupported('listener.log-container-config', 'boolean', 'not implemented', 'false'),
  def('listener.observation-enabled', 'boolean', 'OpenTelemetry `process <topic>` spans around each listener call (docs/observability.md).', { defaultValue: 'true with @opentelemetry/api, unless instrumentation-kafkajs is active (Spring: false)' }),

  // admin
  ...clientKeys('admin'),
  def('admin.operation-timeout', 'duration', 'Timeout of topic creation and changes.', { defaultValue: '30s' }),
  def('admin.fail-fast', 'boolean', 'Fail start-up when the broker cannot be reached to create topics.', { defaultValue: 'false' }),
  def('admin.auto-create', 'boolean', 'Create the declared topics at start-up.', { defaultValue: 'true' }),
  def('admin.modify-topic-configs', 'boolean', 'Update configs of existing topics to the declared ones.', { defaultValue: 'false' }),
  unsupported('admin.close-timeout', 'duration', 'the admin client is closed after each operation'),

  // template
  def('template.default-topic', 'string', 'Topic of `KafkaTemplate.sendDefault(...)`.'),
  def('template.transaction-id-prefix', 'string', "The template's transaction id prefix (overrides producer.transaction-id-prefix)."),
  def('template.allow-non-transactional', 'boolean', 'Let a transactional template send outside a transaction.', { defaultValue: 'false' }),
  unsupported('template.close-timeout', 'duration', 'kafkajs producers disconnect without a timeout'),
  def('template.observation-enabled', 'boolean', 'OpenTelemetry `send <topic>` spans and `traceparent` headers for each send (docs/observability.md).', { defaultValue: 'true with @opentelemetry/api, unless instrumentation-kafkajs is active (Spring: false)' }),

  // retry.topic (Boot 4): @RetryableTopic for every listener without its own
  def('retry.topic.enabled', 'boolean', 'Give every listener without its own @RetryableTopic non-blocking retries through retry topics.', { defaultValue: 'false' }),
  def('retry.topic.attempts', 'int', 'Deliveries in total before the dead-letter topic.', { defaultValue: '3' }),
  def('retry.topic.backoff.delay', 'duration', 'First (or every) delay.', { defaultValue: '1s' }),
  def('retry.topic.backoff.multiplier', 'number', 'Growth factor of the delays (0: fixed).', { defaultValue: '0' }),
  def('retry.topic.backoff.max-delay', 'duration', 'Cap of exponential delays (0: 30s).', { defaultValue: '0' }),
  def('retry.topic.backoff.random', 'boolean', 'Jitter on exponential delays (Boot 3.5; Boot 4 names it jitter).', { defaultValue: 'false' }),
  unsupported('retry.topic.backoff.jitter', 'duration', "Spring Retry's jitter duration has no equivalent; use retry.topic.backoff.random", '0'),

  unsupported('jaas.enabled', 'boolean', 'JAAS/Kerberos is Java-only; use sasl.mechanism, sasl.username and sasl.password', 'false'),
];

/** Every definition by canonical relative key. */
export const KAFKA_PROPERTIES_BY_KEY: ReadonlyMap<string, KafkaPropertyDefinition> = new Map(KAFKA_PROPERTIES.map((d) => [d.key, d]));
