// `streamwright/vitest`: a vitest `test` whose `kafka` fixture gives each test its own topics,
// group ids and transactional ids on the broker that `streamwright/vitest/global-setup` started,
// so test files can run in parallel workers against one broker. Nothing here loads Kafka code:
// the admin client is imported when a test first asks for a topic.
import { inject, test as base } from 'vitest';
import { BOOTSTRAP_SERVERS_KEY } from './options.js';
import { LazyWorkerAdmin, TestKafka, type KafkaFixture } from './test-kafka.js';

export type { EmbeddedKafkaVitestOptions } from './options.js';
export type { TestTopicOptions } from './test-topic-options.js';
export type { KafkaFixture } from './test-kafka.js';

export interface KafkaTestContext {
  kafka: KafkaFixture;
  /** The worker's connection that creates and deletes the tests' topics (internal to the `kafka` fixture). */
  streamwrightKafkaWorker: LazyWorkerAdmin;
}

/** The broker's address, from the global setup; a clear error when it is missing from the config. */
export function bootstrapServers(): string[] {
  const servers = inject(BOOTSTRAP_SERVERS_KEY);
  if (!Array.isArray(servers) || servers.length === 0) {
    throw new Error("streamwright/vitest: no embedded broker is running; add `...embeddedKafka()` from 'streamwright/vitest/config' to the test options of vitest.config.ts");
  }
  return servers;
}

/** vitest's `test` with the `kafka` fixture: `test('...', async ({ kafka }) => { const orders = await kafka.topic('orders'); ... })`. */
export const test = base.extend<KafkaTestContext>({
  // One admin connection per worker, shared by its tests; at the worker's end it finishes the last deletions and closes.
  streamwrightKafkaWorker: [
    // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this destructuring
    async ({}, use) => {
      const admin = new LazyWorkerAdmin(bootstrapServers());
      try {
        await use(admin);
      } finally {
        await admin.close();
      }
    },
    { scope: 'worker' },
  ],
  kafka: async ({ streamwrightKafkaWorker }, use) => {
    // The previous test's topics and groups are gone before this one starts.
    await streamwrightKafkaWorker.settled();
    const kafka = new TestKafka(streamwrightKafkaWorker);
    try {
      await use(kafka);
    } finally {
      await kafka.cleanUp();
    }
  },
});

export const it = test;
