/**
 * The kafkajs side of the chaos soak: an idempotent producer whose sends span every partition
 * of its topic (the multi-partition send is where kafkajs 2.2.4 can drop a partition), a live
 * read_committed group consumer, and a final read_committed reader.
 */
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { History } from './history.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A client that rides out an election (the cluster notices a dead broker within ~1.5 s). */
export function chaosClient(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 },
  });
}

/** Consumer settings that make kafkajs find a moved group coordinator within seconds (docs/consumer-groups.md). */
export const COORDINATOR_FRIENDLY = {
  sessionTimeout: 10_000,
  rebalanceTimeout: 10_000,
  heartbeatInterval: 1_000,
  maxWaitTimeInMs: 1_000,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1_000 },
};

/**
 * Sends one record to every partition per send() (idempotent, acks=-1), `perSecond` sends a
 * second. A failed send leaves its records indeterminate and replaces the producer (its
 * sequence numbers may no longer match the broker's).
 */
export class KafkajsProducerWorkload {
  sends = 0;
  failures = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private seq = 0;

  constructor(
    private readonly client: Kafka,
    private readonly name: string,
    private readonly topic: string,
    private readonly partitions: number,
    private readonly history: History,
    private readonly perSecond: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private newProducer(): Producer {
    return this.client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  private async run(): Promise<void> {
    let producer = this.newProducer();
    await producer.connect();
    while (this.running) {
      const messages = Array.from({ length: this.partitions }, (_, partition) => ({ partition, value: `${this.name}-${this.seq++}` }));
      const startedAt = Date.now();
      try {
        const result = await producer.send({ topic: this.topic, acks: -1, messages });
        const endedAt = Date.now();
        for (const message of messages) {
          const metadata = result.find((r) => r.partition === message.partition);
          const offset = metadata?.baseOffset === undefined ? undefined : Number(metadata.baseOffset);
          this.history.writes.push({
            client: 'kafkajs',
            producer: this.name,
            topic: this.topic,
            partition: message.partition,
            value: message.value,
            outcome: 'ok',
            ...(offset === undefined ? {} : { offset }),
            acknowledgedPartition: metadata !== undefined,
            startedAt,
            endedAt,
          });
        }
        this.sends++;
      } catch {
        const endedAt = Date.now();
        this.failures++;
        for (const message of messages) {
          this.history.writes.push({ client: 'kafkajs', producer: this.name, topic: this.topic, partition: message.partition, value: message.value, outcome: 'indeterminate', startedAt, endedAt });
        }
        await producer.disconnect().catch(() => undefined);
        producer = this.newProducer();
        await this.connect(producer);
      }
      await sleep(1000 / this.perSecond);
    }
    await producer.disconnect().catch(() => undefined);
  }

  private async connect(producer: Producer): Promise<void> {
    while (this.running) {
      try {
        await producer.connect();
        return;
      } catch {
        await sleep(500);
      }
    }
  }
}

/**
 * A read_committed group consumer reading while the nemesis runs. A new session starts whenever
 * it (re)joins the group or restarts after a crash: re-reading from the committed offsets is
 * then legitimate.
 */
export class KafkajsLiveReader {
  private session = 0;
  private consumer: Consumer | undefined;

  constructor(
    private readonly client: Kafka,
    private readonly name: string,
    private readonly topics: readonly string[],
    private readonly history: History,
  ) {}

  get sessions(): number {
    return this.session + 1;
  }

  async start(): Promise<void> {
    const consumer = this.client.consumer({ groupId: this.name, readUncommitted: false, ...COORDINATOR_FRIENDLY });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.session++);
    consumer.on(consumer.events.CRASH, () => this.session++);
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.history.reads.push({ client: 'kafkajs', reader: this.name, session: this.session, topic, partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/**
 * Reads every partition of the topics from the beginning (read_committed, a fresh group) until
 * it has reached, in each partition, the offset `targets` names (what another final reader
 * found to be the last record), or until `timeoutMs`.
 */
export async function kafkajsFinalRead(client: Kafka, name: string, targets: ReadonlyMap<string, number>, history: History, timeoutMs = 90_000): Promise<void> {
  const reached = new Map<string, number>();
  const done = () => [...targets].every(([where, offset]) => (reached.get(where) ?? -1) >= offset);
  const consumer = client.consumer({ groupId: name, readUncommitted: false, ...COORDINATOR_FRIENDLY, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...new Set([...targets.keys()].map((where) => where.slice(0, where.lastIndexOf(':'))))], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      history.reads.push({ client: 'kafkajs', reader: name, session: 0, topic, partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
      reached.set(`${topic}:${partition}`, Number(message.offset));
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(100);
  await consumer.disconnect().catch(() => undefined);
  history.finalReaders.push(name);
}
