import { afterAll, describe, expect, it } from 'vitest';
import type { BrokerEndpoint } from '../../../src/broker/cluster/broker-endpoint.js';
import { ClusterMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import { MetadataImage, type ImageRecord } from '../../../src/broker/cluster/metadata-image.js';
import { ClusterController } from '../../../src/broker/replication/cluster-controller.js';
import type { ClusterMember } from '../../../src/broker/replication/cluster-member.js';
import { Faults } from '../../../src/broker/faults.js';
import { ManualClock } from '../../../src/broker/manual-clock.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { removeTempDirs, tempDir } from '../../support/broker-harness.js';

// A broker's metadata image and the controller that feeds it, without sockets or brokers:
// the image is built from a snapshot and changed only by the records the controller sends.

afterAll(() => removeTempDirs());

const quiet = consoleLogger('silent', 'image-test');
const endpoint = (nodeId: number): BrokerEndpoint => ({ nodeId, host: '127.0.0.1', port: 9000 + nodeId, listeners: { PLAINTEXT: { host: '127.0.0.1', port: 9000 + nodeId } } });

/** A broker as the controller sees it, keeping only its image and what it was told to apply. */
class FakeMember implements ClusterMember {
  readonly image: MetadataImage;
  readonly applied: string[] = [];
  readonly isRunning = true;
  constructor(
    readonly nodeId: number,
    snapshot: readonly ImageRecord[],
  ) {
    this.image = new MetadataImage(snapshot);
  }
  endpoint(): BrokerEndpoint {
    return endpoint(this.nodeId);
  }
  replayMetadata(records: readonly ImageRecord[]): void {
    this.image.replay(records);
  }
  loadMetadataSnapshot(records: readonly ImageRecord[]): void {
    this.image.load(records);
    this.applied.push('snapshot');
  }
  applyTopicPartitions(name: string): Promise<void> | null {
    this.applied.push(`partitions ${name}`);
    return null;
  }
  applyLeadership(): void {
    this.applied.push('leadership');
  }
  applyTopicDeletion(name: string): void {
    this.applied.push(`deleted ${name}`);
  }
  applyTopicConfig(name: string): void {
    this.applied.push(`configs ${name}`);
  }
  applyDynamicConfig(): void {
    this.applied.push('broker configs');
  }
}

describe('MetadataImage', () => {
  it('is built from a snapshot and changed by a delta, sharing nothing with the records it was given', () => {
    const snapshot: ImageRecord[] = [
      { type: 'Cluster', clusterId: 'image-cluster' },
      { type: 'Topic', topic: { name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', configs: { 'cleanup.policy': 'compact' }, partitions: [{ partition: 0, replicas: [0, 1], leaderId: 0, leaderEpoch: 3, isr: [0, 1] }] } },
      { type: 'BrokerConfigs', resource: '', configs: { 'log.retention.ms': '1000' } },
      { type: 'Brokers', live: [endpoint(1), endpoint(0)] },
    ];
    const image = new MetadataImage(snapshot);
    expect(image.clusterId).toBe('image-cluster');
    expect(image.topic('orders')!.partitions[0]).toEqual({ partition: 0, replicas: [0, 1], leaderId: 0, leaderEpoch: 3, isr: [0, 1] });
    expect(image.topicById('AAAAAAAAAAAAAAAAAAAAAA')!.name).toBe('orders');
    expect(image.dynamicBrokerConfigs('')).toEqual({ 'log.retention.ms': '1000' });
    expect(image.controllerId()).toBe(0);
    expect(image.isLive(1)).toBe(true);
    expect(image.endpoint(1)!.port).toBe(9001);

    // The records are copied: changing them afterwards does not change the image.
    (snapshot[1] as Extract<ImageRecord, { type: 'Topic' }>).topic.partitions[0]!.leaderId = 7;
    expect(image.topic('orders')!.partitions[0]!.leaderId).toBe(0);

    image.replay([
      { type: 'PartitionChange', topic: 'orders', partition: 0, leaderId: 1, leaderEpoch: 4, isr: [1] },
      { type: 'Topic', topic: { name: 'audit', topicId: 'BBBBBBBBBBBBBBBBBBBBBB', configs: {}, partitions: [{ partition: 0, replicas: [1], leaderId: 1, leaderEpoch: 0, isr: [1] }] } },
      { type: 'Brokers', live: [endpoint(1)] },
    ]);
    expect(image.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 4, isr: [1] });
    expect([...image.topics].map((t) => t.name)).toEqual(['orders', 'audit']);
    expect(image.controllerId()).toBe(1);
    expect(image.isLive(0)).toBe(false);

    image.replay([{ type: 'RemoveTopic', name: 'audit' }]);
    expect(image.topic('audit')).toBeUndefined();
    expect(image.topicById('BBBBBBBBBBBBBBBBBBBBBB')).toBeUndefined();
  });
});

describe('ClusterController feeding the brokers images', () => {
  function build() {
    const metadata = ClusterMetadata.load(tempDir('image-controller-'));
    const faults = new Faults();
    const clock = new ManualClock(0);
    const controller = new ClusterController({ metadata, logger: quiet, sessionTimeoutMs: 1_000, faults, clock });
    const members = [0, 1, 2].map((id) => new FakeMember(id, controller.snapshot()));
    for (const member of members) controller.register(member);
    return { controller, metadata, faults, members, clock };
  }

  it('sends each change to every image it reaches as records; an isolated broker keeps its old image until it registers again', () => {
    const { controller, metadata, faults, members } = build();
    const [, , isolated] = members;
    expect(members.map((m) => m.image.liveBrokers().map((b) => b.nodeId))).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);

    const created = metadata.createTopic('orders', [[0, 1, 2]], {});
    controller.topicPartitionsChanged(created);
    for (const member of members) {
      expect(member.image.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 0, leaderEpoch: 0, isr: [0, 1, 2] });
      expect(member.applied).toContain('partitions orders');
      // Its own copy: the controller's state is not the image.
      expect(member.image.topic('orders')).not.toBe(metadata.topic('orders'));
    }

    faults.isolate(2, { clients: false });
    controller.unregister(0);
    expect(metadata.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 1 });
    expect(members[1]!.image.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 1, isr: [1, 2] });
    expect(members[1]!.image.controllerId()).toBe(1);
    // The isolated broker got none of it.
    expect(isolated!.image.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 0, leaderEpoch: 0, isr: [0, 1, 2] });
    expect(isolated!.image.controllerId()).toBe(0);

    // ISR changes a leader makes (AlterPartition) reach the images too.
    expect(controller.alterPartitionIsr(1, 'orders', 0, 1, [1])).toBe(true);
    expect(members[1]!.image.topic('orders')!.partitions[0]!.isr).toEqual([1]);
    expect(isolated!.image.topic('orders')!.partitions[0]!.isr).toEqual([0, 1, 2]);

    faults.heal();
    controller.register(isolated!);
    expect(isolated!.applied).toContain('snapshot');
    expect(isolated!.image.topic('orders')!.partitions[0]).toMatchObject({ leaderId: 1, leaderEpoch: 1 });
    expect(isolated!.image.liveBrokers().map((b) => b.nodeId)).toEqual([1, 2]);
  });

  it('runs the same way with one member: a single broker is a cluster of one', () => {
    const metadata = ClusterMetadata.load(tempDir('image-controller-one-'));
    const controller = new ClusterController({ metadata, logger: quiet, sessionTimeoutMs: 1_000, clock: new ManualClock(0) });
    const alone = new FakeMember(0, controller.snapshot());
    controller.register(alone);
    controller.topicPartitionsChanged(metadata.createTopic('solo', [[0], [0]], {}));
    expect(alone.image.topic('solo')!.partitions.map((p) => p.leaderId)).toEqual([0, 0]);
    expect(alone.image.controllerId()).toBe(0);
    controller.close();
  });
});
