/**
 * The framework's side of the chaos soak: a KafkaTemplate (idempotent producer factory) writing
 * to an input topic, and an @KafkaListener in a container with a KafkaTransactionManager
 * copying input -> output exactly once (docs/transactions.md). One record in 25 fails once after
 * its copy and a marker were sent, so its transaction is rolled back: no read_committed reader
 * may ever see the marker.
 */
import { injectable } from 'inversify';
import { logLevel, type KafkaConfig } from 'kafkajs';
import {
  ConcurrentKafkaListenerContainerFactory,
  DefaultAfterRollbackProcessor,
  DefaultKafkaProducerFactory,
  FixedBackOff,
  Header,
  KafkaApplication,
  KafkaHeaders,
  KafkaListener,
  KafkaTemplate,
  KafkaTransactionManager,
  Payload,
  silentLogger,
  StringSerializer,
  UNLIMITED_ATTEMPTS,
} from '../../../src/index.js';
import type { History } from './history.js';
import { COORDINATOR_FRIENDLY } from './kafkajs-workloads.js';

export const FRAMEWORK_INPUT = 'chaos-fw-in';
export const FRAMEWORK_OUTPUT = 'chaos-fw-out';
export const COPIER_GROUP = 'chaos-copier';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function kafkaConfig(brokers: readonly string[], clientId: string): KafkaConfig {
  return { clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3_000, requestTimeout: 10_000, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 } };
}

/** What the copier shares with the soak: the history, and which records already failed once. */
@injectable()
export class CopierProbe {
  history: History | undefined;
  readonly failedOnce = new Set<string>();
  attempts = 0;
}

@injectable()
export class ChaosCopier {
  constructor(
    private readonly template: KafkaTemplate<string, string>,
    private readonly probe: CopierProbe,
  ) {}

  @KafkaListener({ id: 'chaos-copier', topics: [FRAMEWORK_INPUT], groupId: COPIER_GROUP, containerFactory: 'transactionalFactory' })
  async copy(@Payload() value: string, @Header(KafkaHeaders.RECEIVED_KEY) key: string): Promise<void> {
    this.probe.attempts++;
    // This send joins the transaction the container began for the record.
    await this.template.send(FRAMEWORK_OUTPUT, key, value);
    if (Number(value.slice(value.lastIndexOf('-') + 1)) % 25 === 7 && !this.probe.failedOnce.has(value)) {
      this.probe.failedOnce.add(value);
      const marker = `aborted:${value}`;
      const now = Date.now();
      this.probe.history?.writes.push({ client: 'framework', producer: 'chaos-copier', topic: FRAMEWORK_OUTPUT, partition: -1, value: marker, outcome: 'aborted', startedAt: now, endedAt: now });
      await this.template.send(FRAMEWORK_OUTPUT, key, marker);
      throw new Error(`failing ${value} once, on purpose`);
    }
  }
}

/** The copier application: retries a rolled-back record until it commits (never skips one). */
export async function startCopier(brokers: readonly string[], history: History): Promise<KafkaApplication> {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(brokers, 'chaos-copier'),
    producer: { transactionIdPrefix: 'chaos-copier-tx-' },
    valueSerializer: new StringSerializer(),
    listeners: [ChaosCopier],
    consumerConfig: COORDINATOR_FRIENDLY,
    containerFactories: {
      transactionalFactory: (c) =>
        new ConcurrentKafkaListenerContainerFactory({
          concurrency: 2,
          containerProperties: {
            transactionManager: c.get(KafkaTransactionManager),
            afterRollbackProcessor: new DefaultAfterRollbackProcessor({ backOff: new FixedBackOff(200, UNLIMITED_ATTEMPTS), logger: silentLogger }),
          },
        }),
    },
    logger: silentLogger,
    startTimeout: 120_000,
  });
  app.get(CopierProbe).history = history;
  await app.start();
  return app;
}

/**
 * KafkaTemplate.send of one record at a time from `loops` concurrent loops, each writing
 * `perSecond` records a second to partitions in turn.
 */
export class FrameworkProducerWorkload {
  sends = 0;
  failures = 0;
  private running = false;
  private loops: Array<Promise<void>> = [];
  private seq = 0;
  private readonly factory: DefaultKafkaProducerFactory;
  private readonly template: KafkaTemplate<string, string>;

  constructor(
    brokers: readonly string[],
    private readonly partitions: number,
    private readonly history: History,
    private readonly perSecond: number,
    private readonly loopCount = 3,
  ) {
    this.factory = new DefaultKafkaProducerFactory({
      kafka: kafkaConfig(brokers, 'chaos-template'),
      producerConfig: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
      valueSerializer: new StringSerializer(),
      logger: silentLogger,
    });
    this.template = new KafkaTemplate<string, string>(this.factory, { logger: silentLogger });
  }

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.loopCount }, () => this.run());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.factory.close();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const n = this.seq++;
      const value = `fw-${n}`;
      const partition = n % this.partitions;
      const startedAt = Date.now();
      try {
        const result = await this.template.send(FRAMEWORK_INPUT, partition, `k${n % 97}`, value);
        const { offset } = result.recordMetadata;
        this.history.writes.push({ client: 'framework', producer: 'chaos-template', topic: FRAMEWORK_INPUT, partition: result.recordMetadata.partition, value, outcome: 'ok', offset, startedAt, endedAt: Date.now() });
        this.sends++;
      } catch {
        this.failures++;
        this.history.writes.push({ client: 'framework', producer: 'chaos-template', topic: FRAMEWORK_INPUT, partition, value, outcome: 'indeterminate', startedAt, endedAt: Date.now() });
      }
      await sleep((1000 * this.loopCount) / this.perSecond);
    }
  }
}
