import { RequestAuthorizer } from '../../../src/broker/security/authorizer/request-authorizer.js';
import { describe, expect, it } from 'vitest';
import type { TopicMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import { metadataHandler } from '../../../src/broker/handlers/03-metadata.js';
import { SecuritySession } from '../../../src/broker/security/security-session.js';
import type { RequestOf } from '../../../src/protocol/codec.js';
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { ApiKeys, type MetadataResponse } from '../../../src/protocol/generated/messages.js';
import { ZERO_UUID } from '../../../src/protocol/schema/uuid.js';
import { FakeMembership, FakeMetadata, answer, readPreEncoded, fakeContext, fakeTopic, requestContext } from './support/fake-collaborators.js';

// The Metadata handler built from fakes of its collaborators (no broker, no socket): what it
// answers is decided by the metadata view, the live brokers and the controller it is handed.

type Partition = MetadataResponse['topics'][number]['partitions'][number];
type MetadataRequest = RequestOf<typeof ApiKeys.Metadata>;

function request(topics: MetadataRequest['topics'], allowAutoTopicCreation = true): MetadataRequest {
  return { topics, allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
}

function build(options: { topics?: TopicMetadata[]; live?: number[]; autoCreate?: boolean; create?: (name: string) => TopicMetadata } = {}) {
  const metadata = new FakeMetadata(options.topics ?? []);
  const created: string[] = [];
  const controller = {
    autoCreateTopic(name: string): TopicMetadata {
      created.push(name);
      const topic = options.create ? options.create(name) : fakeTopic(name, [1]);
      metadata.byName.set(name, topic);
      return topic;
    },
  };
  const handler = metadataHandler({
    context: fakeContext({ 'auto.create.topics.enable': options.autoCreate ?? true }),
    metadata,
    membership: new FakeMembership(options.live ?? [1, 2, 3]),
    controller,
    auth: new RequestAuthorizer(null),
  });
  return { handler, created };
}

describe('Metadata handler', () => {
  it('describes every topic of the metadata view; a leader that is not live is LEADER_NOT_AVAILABLE, dead replicas are offline', async () => {
    const { handler } = build({ topics: [fakeTopic('orders', [1, 3], [2])], live: [1, 2] });
    const response = await answer(handler, request(null), requestContext(ApiKeys.Metadata, 9));
    expect(response.clusterId).toBe('fake-cluster');
    expect(response.controllerId).toBe(1);
    expect(response.brokers!.map((b) => b.nodeId)).toEqual([1, 2]);
    const [topic] = response.topics!;
    expect(topic!.name).toBe('orders');
    expect(readPreEncoded<Partition>(topic!.partitions).map((p) => [p.partitionIndex, p.errorCode, p.leaderId, p.offlineReplicas])).toEqual([
      [0, ErrorCode.NONE, 1, []],
      [1, ErrorCode.LEADER_NOT_AVAILABLE, 3, [3]],
    ]);
  });

  it('has the controller create an unknown topic when the request and auto.create.topics.enable allow it', async () => {
    const { handler, created } = build();
    const response = await answer(handler, request([{ topicId: ZERO_UUID, name: 'new-topic' }]), requestContext(ApiKeys.Metadata, 9));
    expect(created).toEqual(['new-topic']);
    expect(response.topics!.map((t) => [t.name, t.errorCode, t.partitions!.length])).toEqual([['new-topic', ErrorCode.NONE, 1]]);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION without asking the controller when auto-creation is off, or for an internal topic', async () => {
    for (const [autoCreate, allow, name] of [[false, true, 'new-topic'], [true, false, 'new-topic'], [true, true, '__consumer_offsets']] as const) {
      const { handler, created } = build({ autoCreate });
      const response = await answer(handler, request([{ topicId: ZERO_UUID, name }], allow), requestContext(ApiKeys.Metadata, 9));
      expect(created).toEqual([]);
      expect(response.topics!.map((t) => t.errorCode)).toEqual([ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    }
  });

  it("gives a topic the controller refuses the controller's error code", async () => {
    const { handler } = build({
      create: () => {
        throw new KafkaProtocolError(ErrorCode.POLICY_VIOLATION, 'partition cap');
      },
    });
    const response = await answer(handler, request([{ topicId: ZERO_UUID, name: 'capped' }]), requestContext(ApiKeys.Metadata, 9));
    expect(response.topics!.map((t) => [t.name, t.errorCode])).toEqual([['capped', ErrorCode.POLICY_VIOLATION]]);
  });

  it('answers an invalid name INVALID_TOPIC_EXCEPTION and an unknown id UNKNOWN_TOPIC_ID, each once however often asked', async () => {
    const { handler, created } = build();
    const unknownId = '00000000-0000-0000-0000-00000000beef';
    const response = await answer(
      handler,
      request([{ topicId: ZERO_UUID, name: 'bad name!' }, { topicId: unknownId, name: null }, { topicId: unknownId, name: null }]),
      requestContext(ApiKeys.Metadata, 12),
    );
    expect(created).toEqual([]);
    expect(response.topics!.map((t) => t.errorCode)).toEqual([ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.UNKNOWN_TOPIC_ID]);
  });

  it('lists the brokers on the listener the request came in on', async () => {
    const { handler } = build();
    const context = { ...requestContext(ApiKeys.Metadata, 9), session: new SecuritySession({ listener: 'INTERNAL', protocol: 'PLAINTEXT' }) };
    const response = await answer(handler, request(null), context);
    // The fake's brokers have only a PLAINTEXT listener.
    expect(response.brokers).toEqual([]);
  });
});
