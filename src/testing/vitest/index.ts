// `streamwright/vitest`: a vitest `test` whose `kafka` fixture gives each test its own topics,
// group ids and transactional ids on the broker that `streamwright/vitest/global-setup` started,
// so test files can run in parallel workers against one broker.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { inject, test as base } from 'vitest';
import { BOOTSTRAP_SERVERS_KEY } from './options.js';

export type { EmbeddedKafkaVitestOptions } from './options.js';

/** How to create a test topic; unset values take the broker's defaults. */
export interface TestTopicOptions {
  partitions?: number;
  replicationFactor?: number;
  /** Topic configs with Kafka's names, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, string | number | boolean>;
}

/**
 * The `kafka` fixture. Every name it hands out ends with a suffix unique to the test; asking
 * twice for the same name in one test gives the same topic or id.
 */
export interface KafkaFixture {
  /** `host:port` of the shared broker(s). */
  readonly bootstrapServers: string[];
  /** The test's own topic `<name>-<suffix>`, created (partitions led) on first use and deleted after the test. */
  topic(name?: string, options?: TestTopicOptions): Promise<string>;
  /** The test's own consumer group id; the group is deleted after the test when it is empty. */
  groupId(name?: string): string;
  /** The test's own transactional id (or prefix, for `transactionIdPrefix`). */
  transactionalId(name?: string): string;
}

export interface KafkaTestContext {
  kafka: KafkaFixture;
}

/** The broker's address, from the global setup; a clear error when it is missing from the config. */
export function bootstrapServers(): string[] {
  const servers = inject(BOOTSTRAP_SERVERS_KEY);
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new Error("streamwright/vitest: no embedded broker is running; add `...embeddedKafka()` from 'streamwright/vitest/config' to the test options of vitest.config.ts");
  }
  return servers;
}

/** One test's names and what must be cleaned up after it. */
class TestKafka implements KafkaFixture {
  private readonly suffix = randomBytes(4).toString('hex');
  private readonly topics = new Map<string, Promise<string>>();
  private readonly groups = new Set<string>();
  private admin: Promise<Admin> | undefined;

  constructor(readonly bootstrapServers: string[]) {}

  topic(name = 'topic', options: TestTopicOptions = {}): Promise<string> {
    let created = this.topics.get(name);
    if (!created) {
      const topic = this.unique(name);
      created = this.connectedAdmin().then(async (admin) => {
        await admin.createTopics({
          // kafkajs' own wait polls with a 100+ ms back-off; leadersOf checks at once, then every 10 ms.
          waitForLeaders: false,
          topics: [
            {
              topic,
              numPartitions: options.partitions ?? -1,
              replicationFactor: options.replicationFactor ?? -1,
              configEntries: Object.entries(options.config ?? {}).map(([configName, value]) => ({ name: configName, value: String(value) })),
            },
          ],
        });
        await leadersOf(admin, topic);
        return topic;
      });
      this.topics.set(name, created);
    }
    return created;
  }

  groupId(name = 'group'): string {
    const group = this.unique(name);
    this.groups.add(group);
    return group;
  }

  transactionalId(name = 'tx'): string {
    return this.unique(name);
  }

  async cleanUp(): Promise<void> {
    if (!this.admin && this.groups.size === 0) return;
    const admin = await this.connectedAdmin();
    try {
      const created = (await Promise.allSettled(this.topics.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (created.length > 0) await admin.deleteTopics({ topics: created });
      if (this.groups.size > 0) {
        await admin.deleteGroups([...this.groups]).catch(() => {
          // A group the test never joined does not exist, and one with members left cannot go; both are unique to this test anyway.
        });
      }
    } finally {
      await admin.disconnect();
    }
  }

  private unique(name: string): string {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new TypeError(`'${name}' is not a valid Kafka name: use letters, digits, '.', '_' and '-'`);
    return `${name}-${this.suffix}`;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = new Kafka({ brokers: this.bootstrapServers, clientId: 'streamwright-vitest', logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      return admin;
    })();
    return this.admin;
  }
}

/** Resolves once every partition of the topic has a leader (a cluster elects them after CreateTopics answers). */
async function leadersOf(admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const led = await admin
      .fetchTopicMetadata({ topics: [topic] })
      .then(({ topics }) => topics[0]!.partitions.length > 0 && topics[0]!.partitions.every((p) => p.leader >= 0))
      .catch(() => false); // not in the metadata yet: ask again
    if (led) return;
    if (Date.now() > deadline) throw new Error(`Topic ${topic} has no leader for every partition after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** vitest's `test` with the `kafka` fixture: `test('...', async ({ kafka }) => { const orders = await kafka.topic('orders'); ... })`. */
export const test = base.extend<KafkaTestContext>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this destructuring
  kafka: async ({}, use) => {
    const kafka = new TestKafka(bootstrapServers());
    try {
      await use(kafka);
    } finally {
      await kafka.cleanUp();
    }
  },
});

export const it = test;
