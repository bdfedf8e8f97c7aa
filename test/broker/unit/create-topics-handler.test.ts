import { RequestAuthorizer } from '../../../src/broker/security/authorizer/request-authorizer.js';
import { describe, expect, it } from 'vitest';
import type { CreatedTopic, CreateTopicSpec, PartitionsPending } from '../../../src/broker/cluster/controller.js';
import { createTopicsHandler } from '../../../src/broker/handlers/19-create-topics.js';
import type { RequestOf } from '../../../src/protocol/codec.js';
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { answer, fakeContext, requestContext } from './support/fake-collaborators.js';

// The CreateTopics handler built from a fake controller (no broker, no socket): it checks the
// request as a whole, hands each topic to the controller, and answers once the controller's
// partitions exist.

type CreateTopicsRequest = RequestOf<typeof ApiKeys.CreateTopics>;
type Topic = CreateTopicsRequest['topics'][number];

const topic = (name: string, numPartitions = -1, extra: Partial<Topic> = {}): Topic => ({ name, numPartitions, replicationFactor: -1, assignments: [], configs: [], ...extra });
const request = (topics: Topic[], validateOnly = false): CreateTopicsRequest => ({ topics, timeoutMs: 30_000, validateOnly });

/** A controller that records what it is asked and answers with `ready` (null: the partitions exist already). */
class FakeController {
  readonly asked: Array<{ spec: CreateTopicSpec; validateOnly: boolean }> = [];
  ready: Promise<void> | null = null;
  refuse: KafkaProtocolError | null = null;

  createTopicInSlices(spec: CreateTopicSpec, validateOnly: boolean): CreatedTopic & PartitionsPending {
    this.asked.push({ spec, validateOnly });
    if (this.refuse) throw this.refuse;
    const numPartitions = spec.numPartitions === -1 ? 3 : spec.numPartitions;
    return { topicId: validateOnly ? 'zero' : `id-of-${spec.name}`, numPartitions, replicationFactor: 1, configs: { ...(spec.configs as Record<string, string>) }, ready: this.ready };
  }
}

function build(config: Record<string, number> = {}) {
  const controller = new FakeController();
  const handler = createTopicsHandler({ context: fakeContext({ 'num.partitions': 3, 'streamwright.max.partitions.per.request': 10, ...config }), controller, auth: new RequestAuthorizer(null) });
  return { handler, controller };
}

describe('CreateTopics handler', () => {
  it('hands each topic, its configs and validateOnly to the controller and reports what it created', async () => {
    const { handler, controller } = build();
    const response = await answer(handler, request([topic('a', 2, { configs: [{ name: 'cleanup.policy', value: 'compact' }] })], true), requestContext(ApiKeys.CreateTopics, 7));
    expect(controller.asked).toEqual([{ spec: { name: 'a', numPartitions: 2, replicationFactor: -1, assignments: [], configs: { 'cleanup.policy': 'compact' } }, validateOnly: true }]);
    const [created] = response.topics!;
    expect([created!.name, created!.errorCode, created!.numPartitions, created!.topicId]).toEqual(['a', ErrorCode.NONE, 2, 'zero']);
    expect(created!.configs!.find((c) => c.name === 'cleanup.policy')!.value).toBe('compact');
  });

  it('refuses the whole request with POLICY_VIOLATION past the per-request partition cap, counting -1 as num.partitions', async () => {
    const { handler, controller } = build();
    // 3 (num.partitions) + 8 = 11 > 10.
    const response = await answer(handler, request([topic('a'), topic('b', 8)]), requestContext(ApiKeys.CreateTopics, 7));
    expect(controller.asked).toEqual([]);
    expect(response.topics!.map((t) => [t.name, t.errorCode])).toEqual([['a', ErrorCode.POLICY_VIOLATION], ['b', ErrorCode.POLICY_VIOLATION]]);
  });

  it('answers INVALID_REQUEST for a repeated name and a null config value, without asking the controller', async () => {
    const { handler, controller } = build();
    const response = await answer(handler, request([topic('twice'), topic('twice'), topic('nulls', 1, { configs: [{ name: 'retention.ms', value: null }] })]), requestContext(ApiKeys.CreateTopics, 7));
    expect(controller.asked).toEqual([]);
    expect(response.topics!.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CONFIG]);
  });

  it("gives a topic the controller refuses the controller's error code and message", async () => {
    const { handler, controller } = build();
    controller.refuse = new KafkaProtocolError(ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'a' already exists.");
    const response = await answer(handler, request([topic('a', 1)]), requestContext(ApiKeys.CreateTopics, 7));
    expect(response.topics!.map((t) => [t.errorCode, t.errorMessage])).toEqual([[ErrorCode.TOPIC_ALREADY_EXISTS, "Topic 'a' already exists."]]);
  });

  it('answers once the partitions the controller is still creating exist, with their error if that fails', async () => {
    const { handler, controller } = build();
    let finish!: () => void;
    controller.ready = new Promise<void>((resolve) => (finish = resolve));
    let settled = false;
    const pending = answer(handler, request([topic('slow', 2)]), requestContext(ApiKeys.CreateTopics, 7)).then((response) => {
      settled = true;
      return response;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    finish();
    expect((await pending).topics!.map((t) => t.errorCode)).toEqual([ErrorCode.NONE]);

    controller.ready = Promise.reject(new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'deleted while created'));
    const failed = await answer(handler, request([topic('gone', 1)]), requestContext(ApiKeys.CreateTopics, 7));
    expect(failed.topics!.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  });
});
