// The admin side of the `kafka` fixture, one per vitest worker: a single connection (the
// project's own wire client, much lighter to load than kafkajs) that creates the tests' topics
// and deletes them and their groups afterwards. Loaded only when a test first needs it, so a
// file that never asks for a topic loads no Kafka code at all.
import { ClusterClient, sleep } from '../../client/cluster-client.js';
import { ErrorCode, KafkaProtocolError, isRetriable } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import type { TestTopicOptions } from './test-topic-options.js';

interface TopicRequest {
  readonly name: string;
  readonly options: TestTopicOptions;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class WorkerAdmin {
  private client: Promise<ClusterClient> | undefined;
  /** Topics asked for in the current tick: they go out in one CreateTopics. */
  private batch: TopicRequest[] = [];
  /** Deletions sent and not yet answered; the next test (and the worker's end) waits for them. */
  private readonly deletions = new Set<Promise<void>>();

  constructor(private readonly bootstrapServers: readonly string[]) {}

  /** Creates the topic (batched with the others asked for in the same tick); resolves once every partition has a leader. */
  createTopic(name: string, options: TestTopicOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) queueMicrotask(() => void this.flushBatch());
      this.batch.push({ name, options, resolve, reject });
    });
  }

  /**
   * Sends the deletion of a finished test's topics and groups without waiting for it: the test
   * is over, and its names are unique. {@link settled} waits for it.
   */
  delete(topics: readonly string[], groups: readonly string[]): void {
    if (topics.length === 0 && groups.length === 0) return;
    const deletion = this.deleteNow(topics, groups).catch(() => {
      // Cleaning up is best effort: the names are unique to the test, so a leftover harms no other test.
    });
    this.deletions.add(deletion);
    void deletion.finally(() => this.deletions.delete(deletion));
  }

  /** Resolves once every deletion sent so far is done (before the next test, and at the worker's end). */
  async settled(): Promise<void> {
    while (this.deletions.size > 0) await Promise.all(this.deletions);
  }

  async close(): Promise<void> {
    await this.settled();
    const client = this.client;
    this.client = undefined;
    if (client) (await client.catch(() => undefined))?.close();
  }

  private connected(): Promise<ClusterClient> {
    this.client ??= ClusterClient.connect({ bootstrapServers: this.bootstrapServers, clientId: 'streamwright-vitest' });
    return this.client;
  }

  private async flushBatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    try {
      const client = await this.connected();
      const connection = await client.controllerConnection();
      const response = await connection.request(ApiKeys.CreateTopics, connection.versionFor(ApiKeys.CreateTopics, { min: 4 }), {
        topics: batch.map(({ name, options }) => ({
          name,
          numPartitions: options.partitions ?? -1,
          replicationFactor: options.replicationFactor ?? -1,
          assignments: [],
          configs: Object.entries(options.config ?? {}).map(([configName, value]) => ({ name: configName, value: String(value) })),
        })),
        timeoutMs: 30_000,
        validateOnly: false,
      });
      const created: TopicRequest[] = [];
      for (const request of batch) {
        const result = response.topics.find((t) => t.name === request.name);
        const code = result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code === ErrorCode.NONE) created.push(request);
        else request.reject(new KafkaProtocolError(code, `creating test topic ${request.name}: ${result?.errorMessage ?? ''}`.trim()));
      }
      if (created.length === 0) return;
      // A cluster elects the leaders after CreateTopics answers; one Metadata request usually finds them all.
      await client.readyTopics(created.map((r) => r.name));
      for (const request of created) request.resolve();
    } catch (error) {
      for (const request of batch) request.reject(error);
    }
  }

  private async deleteNow(topics: readonly string[], groups: readonly string[]): Promise<void> {
    const client = await this.connected();
    const work: Promise<unknown>[] = [];
    if (topics.length > 0) {
      const connection = await client.controllerConnection();
      work.push(connection.request(ApiKeys.DeleteTopics, connection.versionFor(ApiKeys.DeleteTopics, { max: 5 }), { topics: topics.map((name) => ({ name, topicId: ZERO_UUID })), topicNames: [...topics], timeoutMs: 30_000 }));
    }
    // A group the test never joined does not exist and answers GROUP_ID_NOT_FOUND: nothing to do.
    for (const [coordinator, names] of await byCoordinator(client, groups)) {
      const connection = await client.connectionToNode(coordinator);
      work.push(connection.request(ApiKeys.DeleteGroups, connection.versionFor(ApiKeys.DeleteGroups), { groupsNames: names }));
    }
    await Promise.all(work);
  }
}

/** The groups by the node id of their coordinator (FindCoordinator, batched where the broker takes it). */
export async function byCoordinator(client: ClusterClient, groups: readonly string[]): Promise<Map<number, string[]>> {
  const found = new Map<number, string[]>();
  for (let attempt = 0, left = [...groups]; left.length > 0; attempt++) {
    const connection = await client.anyConnection();
    const version = connection.versionFor(ApiKeys.FindCoordinator);
    const answers =
      version >= 4
        ? (await connection.request(ApiKeys.FindCoordinator, version, { key: '', keyType: 0, coordinatorKeys: left })).coordinators
        : await Promise.all(left.map(async (key) => ({ key, ...(await connection.request(ApiKeys.FindCoordinator, version, { key, keyType: 0, coordinatorKeys: [] })) })));
    const retry: string[] = [];
    for (const answer of answers) {
      if (answer.errorCode === ErrorCode.NONE) found.set(answer.nodeId, [...(found.get(answer.nodeId) ?? []), answer.key]);
      else if (isRetriable(answer.errorCode) && attempt < 30) retry.push(answer.key);
    }
    left = retry;
    if (left.length > 0) await sleep(Math.min(50 * 2 ** attempt, 500));
  }
  return found;
}
