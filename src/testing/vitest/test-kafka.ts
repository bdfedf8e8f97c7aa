// One test's view of the shared broker: names unique to the test, its topics created through the
// worker's admin, and what must go when the test is over.
import { randomBytes } from 'node:crypto';
import type { TestTopicOptions } from './test-topic-options.js';
import type { WorkerAdmin } from './worker-admin.js';

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

/**
 * The worker's admin, loaded on first use: a file whose tests only take names (or do not touch
 * the fixture) never loads the client.
 */
export class LazyWorkerAdmin {
  private admin: Promise<WorkerAdmin> | undefined;

  constructor(readonly bootstrapServers: string[]) {}

  get(): Promise<WorkerAdmin> {
    this.admin ??= import('./worker-admin.js').then(({ WorkerAdmin }) => new WorkerAdmin(this.bootstrapServers));
    return this.admin;
  }

  /** Waits for the deletions of the previous tests, if the admin was ever loaded. */
  async settled(): Promise<void> {
    if (this.admin) await (await this.admin).settled();
  }

  async close(): Promise<void> {
    if (this.admin) await (await this.admin).close();
  }
}

export class TestKafka implements KafkaFixture {
  private readonly suffix = randomBytes(4).toString('hex');
  private readonly topics = new Map<string, Promise<string>>();
  private readonly groups = new Set<string>();

  constructor(private readonly admin: LazyWorkerAdmin) {}

  get bootstrapServers(): string[] {
    return this.admin.bootstrapServers;
  }

  topic(name = 'topic', options: TestTopicOptions = {}): Promise<string> {
    let created = this.topics.get(name);
    if (!created) {
      const topic = this.unique(name);
      created = this.admin
        .get()
        .then((admin) => admin.createTopic(topic, options))
        .then(() => topic);
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

  /** Sends the deletion of the test's topics and groups; the next test waits for it, this one need not. */
  async cleanUp(): Promise<void> {
    if (this.topics.size === 0 && this.groups.size === 0) return;
    const created = (await Promise.allSettled(this.topics.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    (await this.admin.get()).delete(created, [...this.groups]);
  }

  private unique(name: string): string {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new TypeError(`'${name}' is not a valid Kafka name: use letters, digits, '.', '_' and '-'`);
    return `${name}-${this.suffix}`;
  }
}
