/**
 * StreamwrightModule in a Nest application built with Test.createTestingModule, on the
 * embedded broker: listeners on ordinary Nest providers (a manual-ack factory, @SendTo,
 * @RetryableTopic + @DltHandler, a class-level @KafkaHandler), the framework's services
 * injected by class, topics created at bootstrap, containers ready when init() resolves and
 * stopped gracefully by close(); forRootAsync with @nestjs/config; configuration mistakes.
 */
import { Inject, Injectable, Module, type LoggerService } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import {
  AckMode,
  ConcurrentKafkaListenerContainerFactory,
  DltHandler,
  KafkaAdmin,
  KafkaApplication,
  KafkaException,
  KafkaHandler,
  KafkaListener,
  KafkaListenerEndpointRegistry,
  KafkaTemplate,
  KafkaTransactionManager,
  Payload,
  ReplyingKafkaTemplate,
  RetryableTopic,
  SendTo,
  TopicBuilder,
  Acknowledgment,
  ConsumerRecord,
} from '../../src/index.js';
import { StreamwrightModule, type StreamwrightModuleOptions } from '../../src/nestjs/index.js';
import { BrokerProbe, FAST_CONSUMER, Gate, kafkaConfig, startBroker, testLogger, unique } from '../framework/support/framework-harness.js';
import { readTopic, values } from '../framework/transactions/tx-harness.js';
import { waitFor } from '../support/wait-for.js';

class Order {
  id!: string;
  quantity!: number;

  isLarge(): boolean {
    return this.quantity > 10;
  }
}

/** Shared between the providers and the test: what each listener saw. */
const seen = { orders: [] as Order[], invoices: [] as string[], dlt: [] as string[], attempts: 0, audited: [] as string[] };
const slow = { gate: new Gate(), entered: new Gate() };

@Injectable()
class Invoicing {
  constructor(readonly template: KafkaTemplate) {}

  invoice(order: Order): Promise<unknown> {
    return this.template.send('nest-invoices', order.id, { order: order.id, amount: order.quantity * 2 });
  }
}

@Injectable()
class OrderListener {
  // Injected by class through Nest's constructor metadata, as any provider's dependencies.
  constructor(private readonly invoicing: Invoicing) {}

  @KafkaListener({ id: 'nest-orders', topics: ['nest-orders'], containerFactory: 'manualAckFactory' })
  async onOrder(@Payload() order: Order, ack: Acknowledgment): Promise<void> {
    seen.orders.push(order);
    await this.invoicing.invoice(order);
    ack.acknowledge();
  }

  @KafkaListener({ id: 'nest-invoices', topics: ['nest-invoices'] })
  onInvoice(record: ConsumerRecord<string, string>): void {
    seen.invoices.push(record.key ?? '');
  }
}

@Injectable()
class PriceService {
  @KafkaListener({ id: 'nest-prices', topics: ['nest-prices'] })
  @SendTo()
  price(@Payload() order: Order): { id: string; total: number; large: boolean } {
    return { id: order.id, total: order.quantity * 3, large: order.isLarge() };
  }
}

@Injectable()
class FlakyListener {
  @KafkaListener({ id: 'nest-flaky', topics: ['nest-flaky'] })
  @RetryableTopic({ attempts: 2, backoff: { delay: 100 } })
  onRecord(record: ConsumerRecord<string, string>): void {
    seen.attempts++;
    throw new Error(`cannot handle ${record.key}`);
  }

  @DltHandler()
  onDlt(record: ConsumerRecord<string, string>): void {
    seen.dlt.push(record.key ?? '');
  }
}

@KafkaListener({ id: 'nest-audit', topics: ['nest-audit'] })
class AuditListener {
  @KafkaHandler({ isDefault: true })
  onAny(@Payload() text: string): void {
    seen.audited.push(text);
  }
}

@Injectable()
class SlowListener {
  @KafkaListener({ id: 'nest-slow', topics: ['nest-slow'] })
  async onRecord(): Promise<void> {
    slow.entered.open();
    await slow.gate.wait();
  }
}

/** A feature module of the app: its providers are listeners like any other's. */
@Module({ providers: [OrderListener, Invoicing, PriceService, FlakyListener, SlowListener, { provide: 'auditor', useFactory: () => new AuditListener() }] })
class OrdersModule {}

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

function moduleOptions(): StreamwrightModuleOptions {
  return {
    kafka: kafkaConfig(kafka, { clientId: 'nest-app' }),
    config: false,
    logger: testLogger,
    consumerConfig: FAST_CONSUMER,
    topics: [TopicBuilder.name('nest-orders').partitions(3).build(), TopicBuilder.name('nest-invoices').build(), TopicBuilder.name('nest-prices').build()],
    containerFactories: {
      manualAckFactory: new ConcurrentKafkaListenerContainerFactory({ containerProperties: { ackMode: AckMode.MANUAL_IMMEDIATE } }),
    },
    replyingTemplate: { replyTopic: 'nest-prices-replies', consumerConfig: FAST_CONSUMER },
  };
}

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});

afterAll(async () => {
  await probe?.close();
  await kafka?.stop();
});

describe('StreamwrightModule.forRoot', () => {
  let moduleRef: TestingModule;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [StreamwrightModule.forRoot(moduleOptions()), OrdersModule] }).compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    slow.gate.open();
    await moduleRef?.close();
  });

  test('init() resolves with the topics created and every container holding its partitions', async () => {
    const registry = moduleRef.get(KafkaListenerEndpointRegistry);
    expect(registry.getListenerContainerIds().sort()).toEqual(
      ['nest-audit', 'nest-flaky', 'nest-flaky-dlt', 'nest-flaky-retry', 'nest-invoices', 'nest-orders', 'nest-prices', 'nest-slow'],
    );
    for (const id of ['nest-orders', 'nest-invoices', 'nest-prices', 'nest-audit', 'nest-slow']) {
      expect(registry.getListenerContainer(id)!.isRunning(), id).toBe(true);
      expect(registry.getListenerContainer(id)!.assignments().length, id).toBeGreaterThan(0);
    }
    const described = await moduleRef.get(KafkaAdmin).describeTopics('nest-orders', 'nest-prices-replies');
    expect(described.get('nest-orders')?.partitions.length).toBe(3);
    expect(described.has('nest-prices-replies')).toBe(true);
    expect(moduleRef.get(KafkaApplication).isReady()).toBe(true);
  });

  test('the services are injectable by class and are the application\'s own', () => {
    const app = moduleRef.get(KafkaApplication);
    expect(moduleRef.get(KafkaTemplate)).toBe(app.get(KafkaTemplate));
    expect(moduleRef.get(Invoicing).template).toBe(app.get(KafkaTemplate));
    expect(moduleRef.get(ReplyingKafkaTemplate)).toBe(app.get(ReplyingKafkaTemplate));
    expect(moduleRef.get(KafkaListenerEndpointRegistry)).toBe(app.registry);
  });

  test('a listener provider converts the payload, sends with an injected template and acknowledges manually', async () => {
    await moduleRef.get(KafkaTemplate).send('nest-orders', 'o-1', { id: 'o-1', quantity: 12 });
    await waitFor(() => seen.invoices.includes('o-1'), { what: 'the invoice of o-1' });
    const order = seen.orders.find((o) => o.id === 'o-1')!;
    expect(order).toBeInstanceOf(Order);
    expect(order.isLarge()).toBe(true);
    const partition = await waitFor(async () => {
      const committed = await probe.committed('nest-orders', 'nest-orders');
      return [...committed.values()].some((offset) => offset === 1);
    }, { what: 'the manual acknowledgment committed' });
    expect(partition).toBe(true);
  });

  test('ReplyingKafkaTemplate.sendAndReceive gets the reply of a @SendTo listener on a Nest provider', async () => {
    const replying = moduleRef.get(ReplyingKafkaTemplate);
    const reply = await replying.sendAndReceive({ topic: 'nest-prices', key: 'p-1', value: { id: 'p-1', quantity: 20 } }, { timeoutMs: 10_000 });
    expect(reply.value).toEqual({ id: 'p-1', total: 60, large: true });
  });

  test('@RetryableTopic and @DltHandler on a provider: one retry topic, then its DLT handler', async () => {
    await moduleRef.get(KafkaTemplate).send('nest-flaky', 'f-1', 'boom');
    await waitFor(() => seen.dlt.includes('f-1'), { what: 'the DLT handler' });
    expect(seen.attempts).toBe(2);
  });

  test('a class-level @KafkaListener on a useFactory provider dispatches to its @KafkaHandler', async () => {
    await moduleRef.get(KafkaTemplate).send('nest-audit', 'a-1', 'hello');
    await waitFor(() => seen.audited.includes('hello'), { what: 'the audited record' });
  });

  test('close() lets the record in hand finish, commits it and leaves the group', async () => {
    await moduleRef.get(KafkaTemplate).send('nest-slow', 's-1', 'slow');
    await slow.entered.wait();
    const closing = moduleRef.close();
    // close() waits for the listener: release it only after the shutdown has begun.
    await new Promise((resolve) => setTimeout(resolve, 100));
    slow.gate.open();
    await closing;
    expect(await probe.committedAt('nest-slow', 'nest-slow')).toBe(1);
    const admin = new (await import('kafkajs')).Kafka({ ...kafkaConfig(kafka), clientId: 'groups' }).admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups(['nest-slow', 'nest-orders']);
      for (const group of groups) expect(group.members, group.groupId).toEqual([]);
    } finally {
      await admin.disconnect();
    }
    expect(moduleRef.get(KafkaApplication).isRunning()).toBe(false);
  });
});

describe('StreamwrightModule.forRootAsync', () => {
  @Injectable()
  class Greeter {
    readonly greeted: string[] = [];

    @KafkaListener({ id: 'nest-greetings', topics: ['nest-greetings'] })
    greet(@Payload() name: string): void {
      this.greeted.push(name);
    }
  }

  test('takes its options from ConfigService and runs the listeners of the app', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ KAFKA_BOOTSTRAP_SERVERS: kafka.bootstrapServers.join(','), GREETINGS_PARTITIONS: 2 })] }),
        StreamwrightModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            kafka: { ...kafkaConfig(kafka), brokers: config.getOrThrow<string>('KAFKA_BOOTSTRAP_SERVERS').split(',') },
            config: false,
            logger: testLogger,
            consumerConfig: FAST_CONSUMER,
            topics: [TopicBuilder.name('nest-greetings').partitions(config.getOrThrow<number>('GREETINGS_PARTITIONS')).build()],
          }),
        }),
      ],
      providers: [Greeter],
    }).compile();
    await moduleRef.init();
    try {
      const described = await moduleRef.get(KafkaAdmin).describeTopics('nest-greetings');
      expect(described.get('nest-greetings')?.partitions.length).toBe(2);
      await moduleRef.get(KafkaTemplate).send('nest-greetings', 'g', 'ada');
      await waitFor(() => moduleRef.get(Greeter).greeted.includes('ada'), { what: 'the greeting' });
      // Not configured: the stand-in says what to configure instead of failing on undefined.
      const replying = moduleRef.get(ReplyingKafkaTemplate);
      expect(() => replying.sendAndReceive({ topic: 'x', value: 1 })).toThrow(/replyingTemplate/);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('transactions', () => {
  @Injectable()
  class Copier {
    constructor(private readonly template: KafkaTemplate) {}

    @KafkaListener({ id: 'nest-tx-copier', topics: ['nest-tx-in'], groupId: 'nest-tx-group', containerFactory: 'txFactory' })
    async copy(@Payload() value: string): Promise<void> {
      await this.template.send('nest-tx-out', value, `copy-${value}`);
    }
  }

  test('a listener provider in a transactional container: its sends and its offsets commit together', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        StreamwrightModule.forRoot({
          kafka: kafkaConfig(kafka),
          config: false,
          logger: testLogger,
          consumerConfig: FAST_CONSUMER,
          producer: { transactionIdPrefix: unique('nest-tx-') },
          topics: [TopicBuilder.name('nest-tx-in').build(), TopicBuilder.name('nest-tx-out').build()],
          containerFactories: {
            txFactory: (c) => new ConcurrentKafkaListenerContainerFactory({ containerProperties: { transactionManager: c.get(KafkaTransactionManager) } }),
          },
        }),
      ],
      providers: [Copier],
    }).compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get(KafkaTemplate).isTransactional()).toBe(true);
      expect(moduleRef.get(KafkaTransactionManager).producerFactory).toBe(moduleRef.get(KafkaTemplate).producerFactory);
      await moduleRef.get(KafkaTemplate).executeInTransaction(async (t) => {
        for (const value of ['v0', 'v1', 'v2']) await t.send('nest-tx-in', value, value);
      });
      const read = await readTopic(kafkaConfig(kafka), 'nest-tx-out', { done: (r) => r.length >= 3 });
      expect(values(read)).toEqual(['copy-v0', 'copy-v1', 'copy-v2']);
      await waitFor(async () => (await probe.committedAt('nest-tx-group', 'nest-tx-in')) === 3, { what: 'offset 3 committed' });
    } finally {
      await moduleRef.close();
    }
  });
});

describe('configuration and collaborators', () => {
  test('a listener naming an unknown container factory fails init() with a KafkaException', async () => {
    @Injectable()
    class Misconfigured {
      @KafkaListener({ topics: ['nest-nowhere'], containerFactory: 'noSuchFactory' })
      onRecord(): void {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [StreamwrightModule.forRoot({ kafka: kafkaConfig(kafka), config: false, logger: testLogger })],
      providers: [Misconfigured],
    }).compile();
    const error = await moduleRef.init().catch((e: unknown) => e);
    await moduleRef.close();
    expect(error).toBeInstanceOf(KafkaException);
    expect((error as Error).message).toMatch(/Misconfigured.onRecord.*noSuchFactory/);
  });

  test('forRootAsync without useFactory is refused', () => {
    expect(() => StreamwrightModule.forRootAsync({} as never)).toThrow(/useFactory/);
  });

  test("@RetryableTopic's kafkaTemplate names a Nest provider token; the log goes to Nest's Logger", async () => {
    // Collaborators come from Nest's container: without the 'retryTemplate' provider, init() would fail with "no KafkaTemplate bound as 'retryTemplate'".
    @Injectable()
    class Named {
      @KafkaListener({ id: 'nest-named', topics: ['nest-named'] })
      @RetryableTopic({ attempts: 2, backoff: { delay: 50 }, kafkaTemplate: 'retryTemplate' })
      onRecord(): void {
        throw new Error('always');
      }
    }
    @Injectable()
    class NamedDlt {
      constructor(@Inject('retryTemplate') readonly template: KafkaTemplate) {}
    }
    const logged: string[] = [];
    const capture = (level: string) => (message: unknown, ...rest: unknown[]) => void logged.push(`${level} [${String(rest.at(-1))}] ${String(message)}`);
    const nestLog: LoggerService = { log: capture('log'), warn: capture('warn'), error: capture('error'), debug: capture('debug') };
    // No `logger` option: Streamwright logs through Nest's Logger, here the testing module's.
    const moduleRef = await Test.createTestingModule({
      imports: [StreamwrightModule.forRoot({ kafka: kafkaConfig(kafka), config: false, consumerConfig: FAST_CONSUMER })],
      providers: [Named, NamedDlt, { provide: 'retryTemplate', inject: [KafkaTemplate], useFactory: (template: KafkaTemplate) => template }],
    })
      .setLogger(nestLog)
      .compile();
    await moduleRef.init();
    try {
      expect(moduleRef.get(NamedDlt).template).toBe(moduleRef.get(KafkaTemplate));
      const ids = moduleRef.get(KafkaListenerEndpointRegistry).getListenerContainerIds();
      expect(ids).toContain('nest-named-dlt');
      expect(logged.some((line) => line.startsWith('log [Streamwright] Started 3 listener container(s)'))).toBe(true);
    } finally {
      await moduleRef.close();
    }
  });
});
