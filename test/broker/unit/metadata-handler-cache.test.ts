import { describe, expect, it } from 'vitest';
import type { BrokerEndpoint } from '../../../src/broker/cluster/broker-endpoint.js';
import type { TopicMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import { MetadataImage, type ImageRecord } from '../../../src/broker/cluster/metadata-image.js';
import { metadataHandler } from '../../../src/broker/handlers/03-metadata.js';
import { RequestAuthorizer } from '../../../src/broker/security/authorizer/request-authorizer.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys, type MetadataResponse } from '../../../src/protocol/generated/messages.js';
import { answer, fakeContext, readPreEncoded, fakeTopic, requestContext } from './support/fake-collaborators.js';

// The Metadata handler reuses each topic's partitions part until the broker's image changes
// that topic or the live brokers: every answer here is checked against the image's records.

type Partition = MetadataResponse['topics'][number]['partitions'][number];

const endpoint = (nodeId: number): BrokerEndpoint => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId, listeners: { PLAINTEXT: { host: '127.0.0.1', port: 9000 + nodeId } } });
const brokers = (...ids: number[]): ImageRecord => ({ type: 'Brokers', live: ids.map(endpoint) });
const topicRecord = (topic: TopicMetadata): ImageRecord => ({ type: 'Topic', topic });

function build() {
  const image = new MetadataImage([{ type: 'Cluster', clusterId: 'cache-cluster' }, topicRecord(fakeTopic('orders', [1, 2], [2, 3])), brokers(1, 2, 3)]);
  const handler = metadataHandler({
    context: fakeContext({ 'auto.create.topics.enable': false }),
    metadata: image,
    membership: image,
    controller: { autoCreateTopic: () => { throw new Error('not asked for'); } },
    auth: new RequestAuthorizer(null),
  });
  const all = async (version = 12) => {
    const response = await answer(handler, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }, requestContext(ApiKeys.Metadata, version));
    return new Map(response.topics!.map((t) => [t.name!, readPreEncoded<Partition>(t.partitions).map((p) => ({ error: p.errorCode, leader: p.leaderId, epoch: p.leaderEpoch, isr: [...p.isrNodes!], offline: [...p.offlineReplicas!] }))]));
  };
  return { image, all };
}

describe('Metadata answers from a cached image', () => {
  it('changes with a leader, epoch and ISR change of one partition and leaves the other as it was', async () => {
    const { image, all } = build();
    const before = await all();
    expect(before.get('orders')).toEqual([
      { error: ErrorCode.NONE, leader: 1, epoch: 0, isr: [1, 2, 3], offline: [] },
      { error: ErrorCode.NONE, leader: 2, epoch: 0, isr: [2, 3], offline: [] },
    ]);
    expect(await all()).toEqual(before);
    image.replay([{ type: 'PartitionChange', topic: 'orders', partition: 0, leaderId: 3, leaderEpoch: 4, isr: [3] }]);
    expect((await all()).get('orders')).toEqual([
      { error: ErrorCode.NONE, leader: 3, epoch: 4, isr: [3], offline: [] },
      { error: ErrorCode.NONE, leader: 2, epoch: 0, isr: [2, 3], offline: [] },
    ]);
  });

  it('changes with the live brokers: a dead leader is LEADER_NOT_AVAILABLE and dead replicas are offline', async () => {
    const { image, all } = build();
    await all();
    image.replay([brokers(1, 2)]);
    expect((await all()).get('orders')).toEqual([
      { error: ErrorCode.NONE, leader: 1, epoch: 0, isr: [1, 2, 3], offline: [3] },
      { error: ErrorCode.NONE, leader: 2, epoch: 0, isr: [2, 3], offline: [3] },
    ]);
    image.replay([brokers(2, 3)]);
    expect((await all()).get('orders')!.map((p) => [p.error, p.offline])).toEqual([
      [ErrorCode.LEADER_NOT_AVAILABLE, [1]],
      [ErrorCode.NONE, []],
    ]);
  });

  it('encodes each version on its own: v1 (no leader epoch, no offline replicas), v5, v9 (compact) and v12 alternate', async () => {
    const { image, all } = build();
    image.replay([brokers(1, 2)]);
    for (let round = 0; round < 2; round++) {
      expect((await all(1)).get('orders')![0]).toEqual({ error: ErrorCode.NONE, leader: 1, epoch: -1, isr: [1, 2, 3], offline: [] });
      expect((await all(5)).get('orders')![0]).toEqual({ error: ErrorCode.NONE, leader: 1, epoch: -1, isr: [1, 2, 3], offline: [3] });
      expect((await all(9)).get('orders')![0]).toEqual({ error: ErrorCode.NONE, leader: 1, epoch: 0, isr: [1, 2, 3], offline: [3] });
      expect((await all(12)).get('orders')![1]).toEqual({ error: ErrorCode.NONE, leader: 2, epoch: 0, isr: [2, 3], offline: [3] });
    }
  });

  it('changes with the topic set: created, grown, removed, and after a snapshot load', async () => {
    const { image, all } = build();
    await all();
    image.replay([topicRecord(fakeTopic('payments', [2]))]);
    expect([...(await all()).keys()].sort()).toEqual(['orders', 'payments']);
    image.replay([topicRecord(fakeTopic('payments', [2, 3, 1]))]);
    expect((await all()).get('payments')!.map((p) => p.leader)).toEqual([2, 3, 1]);
    image.replay([{ type: 'RemoveTopic', name: 'orders' }]);
    expect([...(await all()).keys()]).toEqual(['payments']);
    image.load([{ type: 'Cluster', clusterId: 'cache-cluster' }, topicRecord(fakeTopic('payments', [3])), brokers(3)]);
    expect((await all()).get('payments')).toEqual([{ error: ErrorCode.NONE, leader: 3, epoch: 0, isr: [3], offline: [] }]);
  });
});
