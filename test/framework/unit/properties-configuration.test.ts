/** Binding of streamwright.kafka.* properties: sources, relaxed names, precedence, profiles, placeholders, the error report. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadApplicationConfiguration } from '../../../src/framework/autoconfigure/application-configuration.js';
import { InvalidConfigurationException } from '../../../src/framework/autoconfigure/invalid-configuration-exception.js';
import { KAFKA_PROPERTIES } from '../../../src/framework/autoconfigure/kafka-property-catalog.js';
import { resolvePlaceholders, UnresolvablePlaceholderError } from '../../../src/framework/autoconfigure/placeholder-resolver.js';
import { canonicalKey, environmentNamesOf } from '../../../src/framework/autoconfigure/relaxed-names.js';
import { parseDuration, parseSize } from '../../../src/framework/autoconfigure/value-converters.js';
import { ConcurrentKafkaListenerContainerFactory } from '../../../src/framework/config/concurrent-kafka-listener-container-factory.js';
import type { KafkaApplicationOptions } from '../../../src/framework/container/kafka-application-options.js';
import { AckMode } from '../../../src/framework/listener/ack-mode.js';
import { silentLogger } from '../../../src/framework/support/logger.js';
import { JsonDeserializer } from '../../../src/framework/support/serializer/json-deserializer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamwright-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function load(options: Omit<KafkaApplicationOptions, 'config'> & { config?: KafkaApplicationOptions['config'] }) {
  const configuration = loadApplicationConfiguration({ logger: silentLogger, ...options }, silentLogger);
  configuration.problems.throwIfAny();
  return configuration;
}

function problemsOf(options: KafkaApplicationOptions): string {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidConfigurationException);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidConfigurationException');
}

describe('relaxed names and values', () => {
  test('camelCase, snake_case and kebab-case are one key; map keys stay as written', () => {
    expect(canonicalKey('streamwright.kafka.consumer.groupId')).toBe('streamwright.kafka.consumer.group-id');
    expect(canonicalKey('streamwright.kafka.consumer.group_id')).toBe('streamwright.kafka.consumer.group-id');
    expect(canonicalKey('streamwright.kafka.properties.session.timeout.ms')).toBe('streamwright.kafka.properties.session.timeout.ms');
    expect(canonicalKey('streamwright.kafka.properties.[session.timeout.ms]')).toBe('streamwright.kafka.properties.session.timeout.ms');
    expect(environmentNamesOf('streamwright.kafka.consumer.group-id')).toEqual(['STREAMWRIGHT_KAFKA_CONSUMER_GROUPID', 'STREAMWRIGHT_KAFKA_CONSUMER_GROUP_ID']);
  });

  test('durations and sizes', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseSize('1KB')).toBe(1024);
    expect(parseSize('16384')).toBe(16_384);
    expect(() => parseDuration('ten seconds')).toThrow(/duration/);
  });
});

describe('sources and precedence', () => {
  test('a yml file binds every group to the options KafkaApplication builds', () => {
    const dir = dirWith({
      'streamwright.yml': [
        'streamwright:',
        '  kafka:',
        '    bootstrap-servers: [ "h1:9092", "h2:9092" ]',
        '    client-id: orders-app',
        '    properties:',
        '      "[request.timeout.ms]": 20000',
        '    consumer:',
        '      groupId: billing',
        '      auto-offset-reset: latest',
        '      fetch-max-wait: 250ms',
        '      fetch-min-size: 1KB',
        '      isolation-level: read-uncommitted',
        '      value-deserializer: org.springframework.kafka.support.serializer.JsonDeserializer',
        '      properties:',
        '        session.timeout.ms: 9000',
        '    producer:',
        '      acks: 1',
        '      compression-type: gzip',
        '      retries: 7',
        '      linger-ms: 5ms',
        '      batch-size: 64KB',
        '    listener:',
        '      ack-mode: manual_immediate',
        '      concurrency: 3',
        '      ack-time: 2s',
        '      auth-exception-retry-interval: 10s',
        '      type: batch',
        '    admin:',
        '      operation-timeout: 5s',
        '      fail-fast: true',
        '    template.default-topic: invoices',
        '    retry.topic:',
        '      enabled: true',
        '      attempts: 4',
        '      backoff: { delay: 2s, multiplier: 2 }',
      ].join('\n'),
    });
    const { options, send, batching, defaultRetryableTopic } = load({ config: { dir, env: {} } });
    expect(options.kafka).toMatchObject({ brokers: ['h1:9092', 'h2:9092'], clientId: 'orders-app', requestTimeout: 20000 });
    expect(options.consumerConfig).toMatchObject({ groupId: 'billing', autoOffsetReset: 'latest', maxWaitTimeInMs: 250, minBytes: 1024, isolationLevel: 'read_uncommitted', sessionTimeout: 9000 });
    expect(options.valueDeserializer).toBeInstanceOf(JsonDeserializer);
    expect(send).toEqual({ acks: 1, compression: 1 });
    expect(batching).toEqual({ lingerMs: 5, batchSize: 65536 });
    expect(options.producerConfig).toMatchObject({ retry: { retries: 7 } });
    const factory = options.containerFactories!.kafkaListenerContainerFactory as ConcurrentKafkaListenerContainerFactory;
    expect(factory).toBeInstanceOf(ConcurrentKafkaListenerContainerFactory);
    expect(factory.containerProperties.ackMode).toBe(AckMode.MANUAL_IMMEDIATE);
    expect(factory.containerProperties.ackTime).toBe(2000);
    expect(factory.containerProperties.authExceptionRetryInterval).toBe(10_000);
    expect(factory.concurrency).toBe(3);
    expect(factory.batchListener).toBe(true);
    expect(options.admin).toMatchObject({ operationTimeout: 5000, fatalIfBrokerNotAvailable: true });
    expect(options.defaultTopic).toBe('invoices');
    expect(defaultRetryableTopic).toEqual({ attempts: 4, backoff: { delay: 2000, multiplier: 2 } });
  });

  test('code options > code properties > environment > later profile > earlier profile > base file', () => {
    const dir = dirWith({
      'streamwright.yml': 'streamwright.kafka:\n  bootstrap-servers: base:1\n  client-id: base\n  consumer.group-id: base\n  template.default-topic: base\n  listener.ack-count: 1\n',
      'streamwright-dev.yaml': 'streamwright.kafka:\n  client-id: dev\n  consumer.group-id: dev\n  template.default-topic: dev\n  listener.ack-count: 2\n',
      'streamwright-local.json': '{ "streamwright": { "kafka": { "consumer": { "group-id": "local" }, "template": { "default-topic": "local" } } } }',
    });
    const env = { STREAMWRIGHT_PROFILES_ACTIVE: 'dev,local', STREAMWRIGHT_KAFKA_TEMPLATE_DEFAULT_TOPIC: 'env', STREAMWRIGHT_KAFKA_CONSUMER_GROUPID: 'env' };
    const { options, environment } = load({ config: { dir, env, properties: { 'streamwright.kafka.template.defaultTopic': 'code' } }, consumerConfig: { groupId: 'code-option' } });
    expect(environment.profiles).toEqual(['dev', 'local']);
    expect(options.defaultTopic).toBe('code');
    expect(options.consumerConfig).toMatchObject({ groupId: 'code-option' });
    expect(options.kafka).toMatchObject({ brokers: ['base:1'], clientId: 'dev' });
    const factory = options.containerFactories!.kafkaListenerContainerFactory as ConcurrentKafkaListenerContainerFactory;
    expect(factory.containerProperties.ackCount).toBe(2);
    // without the env variable, the later profile (local) wins over dev
    const withoutEnv = load({ config: { dir, env: { STREAMWRIGHT_PROFILES_ACTIVE: 'dev,local' } } });
    expect(withoutEnv.options.consumerConfig).toMatchObject({ groupId: 'local' });
    expect(load({ config: { dir, env: {}, profiles: ['local', 'dev'] } }).options.consumerConfig).toMatchObject({ groupId: 'dev' });
  });

  test('profiles from code properties or the base file; a profile file may not activate profiles', () => {
    const dir = dirWith({
      'streamwright.yml': 'streamwright.profiles.active: a\nstreamwright.kafka.bootstrap-servers: base:1\n',
      'streamwright-a.yml': 'streamwright.kafka.client-id: from-a\n',
      'streamwright-b.yml': 'streamwright.kafka.client-id: from-b\nstreamwright.profiles.active: a\n',
    });
    expect(load({ config: { dir, env: {} } }).options.kafka).toMatchObject({ clientId: 'from-a' });
    const message = problemsOf({ config: { dir, env: {}, properties: { 'streamwright.profiles.active': 'b' } } });
    expect(message).toContain(`streamwright.profiles.active [${join(dir, 'streamwright-b.yml')}:2]: may only be set in code, the environment or the base file`);
  });

  test('code kafka.brokers wins over bootstrap-servers; no profile means the default profile file', () => {
    const dir = dirWith({ 'streamwright.yml': 'streamwright.kafka.bootstrap-servers: file:1\n', 'streamwright-default.yml': 'streamwright.kafka.client-id: from-default-profile\n' });
    const { options } = load({ config: { dir, env: {} }, kafka: { brokers: ['code:1'] } });
    expect(options.kafka).toMatchObject({ brokers: ['code:1'], clientId: 'from-default-profile' });
  });

  test('environment variables bind with relaxed names, including map entries', () => {
    const env = {
      STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: 'a:1,b:2',
      STREAMWRIGHT_KAFKA_CONSUMER_GROUP_ID: 'g',
      STREAMWRIGHT_KAFKA_LISTENER_ACKMODE: 'RECORD',
      STREAMWRIGHT_KAFKA_CONSUMER_PROPERTIES_HEARTBEAT_INTERVAL_MS: '700',
    };
    const { options } = load({ config: { dir: dirWith({}), env } });
    expect(options.kafka?.brokers).toEqual(['a:1', 'b:2']);
    expect(options.consumerConfig).toMatchObject({ groupId: 'g', heartbeatInterval: 700 });
    expect((options.containerFactories!.kafkaListenerContainerFactory as ConcurrentKafkaListenerContainerFactory).containerProperties.ackMode).toBe(AckMode.RECORD);
  });

  test('process.env by default; config: false reads nothing', () => {
    const dir = dirWith({});
    process.env.STREAMWRIGHT_KAFKA_CLIENT_ID = 'from-process-env';
    try {
      expect(load({ config: { dir }, kafka: { brokers: ['x:1'] } }).options.kafka).toMatchObject({ clientId: 'from-process-env' });
      const { options } = loadApplicationConfiguration({ config: false, kafka: { brokers: ['x:1'] } }, silentLogger);
      expect(options.kafka).toEqual({ brokers: ['x:1'] });
    } finally {
      delete process.env.STREAMWRIGHT_KAFKA_CLIENT_ID;
    }
  });

  test('listener.* keys do not override a default container factory defined in code, and a warning says so', () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => void warnings.push(message) };
    const mine = new ConcurrentKafkaListenerContainerFactory({ concurrency: 5 });
    const { options } = loadApplicationConfiguration(
      { logger, containerFactories: { kafkaListenerContainerFactory: mine }, config: { dir: dirWith({}), env: { STREAMWRIGHT_KAFKA_BOOTSTRAP_SERVERS: 'a:1', STREAMWRIGHT_KAFKA_LISTENER_CONCURRENCY: '2' } } },
      logger,
    );
    expect(options.containerFactories!.kafkaListenerContainerFactory).toBe(mine);
    expect(mine.concurrency).toBe(5);
    expect(warnings.join('\n')).toMatch(/listener\.\* properties \(listener\.concurrency\).*not used/);
  });
});

describe('placeholders', () => {
  const lookup = (values: Record<string, string>) => (key: string) => (key in values ? { value: values[key]!, origin: 'test' } : undefined);

  test('values, defaults, nesting, several per string, values that hold placeholders', () => {
    const props = lookup({ 'orders.topic': 'orders-v2', env: 'prod', 'a.b': '${env}-x' });
    expect(resolvePlaceholders('${orders.topic}', props)).toBe('orders-v2');
    expect(resolvePlaceholders('${missing:fallback}', props)).toBe('fallback');
    expect(resolvePlaceholders('${missing:${env}}', props)).toBe('prod');
    expect(resolvePlaceholders('${env}-${orders.topic}', props)).toBe('prod-orders-v2');
    expect(resolvePlaceholders('${a.b}', props)).toBe('prod-x');
    expect(resolvePlaceholders('${missing:}', props)).toBe('');
  });

  test('unresolvable and circular placeholders are errors', () => {
    expect(() => resolvePlaceholders('${nope}', lookup({}))).toThrow(UnresolvablePlaceholderError);
    expect(() => resolvePlaceholders('${a}', lookup({ a: '${b}', b: '${a}' }))).toThrow(/circular/);
  });

  test('the environment resolves placeholders from files and from variables (ORDERS_TOPIC)', () => {
    const dir = dirWith({ 'streamwright.yml': 'orders:\n  topic: from-file\n  group: g-${orders.topic}\n' });
    expect(load({ config: { dir, env: {} } }).environment.resolve('${orders.group}')).toBe('g-from-file');
    expect(load({ config: { dir, env: { ORDERS_TOPIC: 'from-env' } } }).environment.resolve('${orders.group}')).toBe('g-from-env');
  });
});

describe('one error listing every problem', () => {
  test('unknown keys with a suggestion, bad values, keys kafkajs cannot honour, unknown variables: each with file:line or variable', () => {
    const dir = dirWith({
      'streamwright.yml': [
        'streamwright:',
        '  kafka:',
        '    bootstrap-servers: localhost:9092',
        '    consumer:',
        '      grup-id: orders',
        '      fetch-max-wait: soon',
        '      max-poll-records: 10',
        '    producer:',
        '      buffer-memory: 5',
        '      properties:',
        '        buffer.memory: 5',
        '        sesion.timeout.ms: 1',
        '    listener:',
        '      ack-mode: sometimes',
      ].join('\n'),
    });
    const message = problemsOf({ config: { dir, env: { STREAMWRIGHT_KAFKA_CONSUMER_GROUP_IDD: 'x' } } });
    const file = join(dir, 'streamwright.yml');
    expect(message).toMatch(/Invalid configuration \(8 problems\)/);
    expect(message).toContain(`streamwright.kafka.consumer.grup-id [${file}:5]: is not a Streamwright Kafka property (did you mean 'streamwright.kafka.consumer.group-id'?)`);
    expect(message).toContain(`streamwright.kafka.consumer.fetch-max-wait [${file}:6]: expected a duration`);
    expect(message).toContain(`streamwright.kafka.consumer.max-poll-records [${file}:7]: cannot be honoured: kafkajs fetches by size`);
    expect(message).toContain(`streamwright.kafka.producer.buffer-memory [${file}:9]: cannot be honoured`);
    expect(message).toContain(`streamwright.kafka.producer.properties[buffer.memory] [${file}:11]: cannot be honoured`);
    expect(message).toContain(`streamwright.kafka.producer.properties[sesion.timeout.ms] [${file}:12]: is not a Kafka client property that kafkajs can honour (did you mean 'session.timeout.ms'?)`);
    expect(message).toContain(`streamwright.kafka.listener.ack-mode [${file}:14]: expected one of RECORD, BATCH`);
    expect(message).toContain("STREAMWRIGHT_KAFKA_CONSUMER_GROUP_IDD [environment variable STREAMWRIGHT_KAFKA_CONSUMER_GROUP_IDD]: is not a Streamwright Kafka property (did you mean 'STREAMWRIGHT_KAFKA_CONSUMER_GROUP_ID'?)");
  });

  test('YAML syntax errors and security settings that cannot work are reported with the others', () => {
    const dir = dirWith({ 'streamwright.yml': 'streamwright.kafka:\n  bootstrap-servers: [a:1\n' });
    expect(problemsOf({ config: { dir, env: {} } })).toMatch(/streamwright\.yml:\d+\]: is not valid YAML/);
    const security = dirWith({ 'streamwright.yml': 'streamwright.kafka:\n  bootstrap-servers: a:1\n  security.protocol: SASL_SSL\n  sasl.mechanism: plain\n  ssl.trust-store-location: /nonexistent/ca.pem\n' });
    const message = problemsOf({ config: { dir: security, env: {} } });
    expect(message).toContain('streamwright.kafka.sasl.username');
    expect(message).toContain('streamwright.kafka.sasl.password');
    expect(message).toContain('cannot read /nonexistent/ca.pem');
  });

  test('ssl and sasl settings become the kafkajs ssl and sasl options', () => {
    const dir = dirWith({ 'streamwright.yml': 'streamwright.kafka:\n  bootstrap-servers: a:1\n  security.protocol: SASL_SSL\n  sasl: { mechanism: SCRAM-SHA-512, username: u, password: p }\n  ssl.trust-store-certificates: PEM-TEXT\n' });
    expect(load({ config: { dir, env: {} } }).options.kafka).toMatchObject({ ssl: { ca: 'PEM-TEXT' }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } });
  });
});

test('docs/configuration.md lists every key', () => {
  const docs = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const missing = KAFKA_PROPERTIES.filter((definition) => !docs.includes(`\`${definition.key}\``)).map((d) => d.key);
  expect(missing).toEqual([]);
});
