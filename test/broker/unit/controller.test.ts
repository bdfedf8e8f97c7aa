import { afterAll, describe, expect, it } from 'vitest';
import { ClusterMetadata, type TopicMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import { Controller } from '../../../src/broker/cluster/controller.js';
import type { LeaderElector } from '../../../src/broker/cluster/leader-elector.js';
import type { MetadataPublisher } from '../../../src/broker/cluster/metadata-publisher.js';
import { ErrorCode, KafkaProtocolError } from '../../../src/protocol/error-codes.js';
import { ZERO_UUID } from '../../../src/protocol/schema/uuid.js';
import { removeTempDirs, tempDir } from '../../support/broker-harness.js';
import { FakeMembership, fakeContext } from './support/fake-collaborators.js';

// The Controller built from fakes of its collaborators: the live brokers it places replicas on,
// the publisher it tells about each recorded change, and (in a cluster) a leader elector. Its
// own record, the cluster metadata, is a real one in a temp dir.

afterAll(() => removeTempDirs());

class RecordingPublisher implements MetadataPublisher {
  readonly events: string[] = [];
  topicPartitionsChanged(topic: TopicMetadata, inSlices = false): Promise<void> | null {
    this.events.push(`partitions ${topic.name} ${topic.partitions.length}${inSlices ? ' in slices' : ''}`);
    return null;
  }
  topicDeleted(topic: TopicMetadata): void {
    this.events.push(`deleted ${topic.name}`);
  }
  topicConfigChanged(name: string): void {
    this.events.push(`configs ${name}`);
  }
  brokerConfigsChanged(): void {
    this.events.push('broker configs');
  }
}

function build(options: { live?: number[]; config?: Record<string, string | number | boolean>; elector?: LeaderElector } = {}) {
  const metadata = ClusterMetadata.load(tempDir('controller-unit-'));
  const publisher = new RecordingPublisher();
  const controller = new Controller({
    context: fakeContext({ 'default.replication.factor': 2, 'num.partitions': 3, ...options.config }, 2),
    metadata,
    membership: new FakeMembership(options.live ?? [1, 2, 3]),
    publisher,
    elector: options.elector ?? { electLeaders: () => [] },
  });
  return { controller, metadata, publisher };
}

const codeOf = (action: () => unknown): number | undefined => {
  try {
    action();
    return undefined;
  } catch (error) {
    if (error instanceof KafkaProtocolError) return error.code;
    throw error;
  }
};

describe('Controller', () => {
  it('places leaders round-robin over the live brokers, followers on the next ones, records the topic and publishes it', () => {
    const { controller, metadata, publisher } = build();
    const created = controller.createTopic({ name: 'orders', numPartitions: -1, replicationFactor: -1 });
    expect([created.numPartitions, created.replicationFactor]).toEqual([3, 2]);
    expect(metadata.topic('orders')!.partitions.map((p) => p.replicas)).toEqual([[1, 2], [2, 3], [3, 1]]);
    expect(publisher.events).toEqual(['partitions orders 3']);
  });

  it('refuses a replication factor above the live brokers, and validateOnly records nothing', () => {
    const { controller, metadata, publisher } = build({ live: [1, 2] });
    expect(codeOf(() => controller.createTopic({ name: 'wide', numPartitions: 1, replicationFactor: 3 }))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(controller.createTopic({ name: 'checked', numPartitions: 1, replicationFactor: 2 }, true).topicId).toBe(ZERO_UUID);
    expect([...metadata.topics]).toEqual([]);
    expect(publisher.events).toEqual([]);
  });

  it('deletes a topic and publishes it, unless delete.topic.enable is off', () => {
    const off = build({ config: { 'delete.topic.enable': false } });
    off.controller.createTopic({ name: 'kept', numPartitions: 1, replicationFactor: 1 });
    expect(codeOf(() => off.controller.deleteTopic('kept'))).toBe(ErrorCode.TOPIC_DELETION_DISABLED);
    const { controller, metadata, publisher } = build();
    controller.createTopic({ name: 'gone', numPartitions: 1, replicationFactor: 1 });
    controller.deleteTopic('gone');
    expect(metadata.topic('gone')).toBeUndefined();
    expect(publisher.events).toEqual(['partitions gone 1', 'deleted gone']);
  });

  it("changes this broker's configs and the cluster default, never another broker's", () => {
    const { controller, metadata, publisher } = build();
    expect(codeOf(() => controller.alterBrokerConfigs('1', { 'log.retention.ms': '1000' }, false))).toBe(ErrorCode.INVALID_REQUEST);
    controller.alterBrokerConfigs('2', { 'log.retention.ms': '1000' }, false);
    controller.alterBrokerConfigs('', { 'log.retention.ms': '2000' }, false);
    expect([metadata.dynamicBrokerConfigs('2'), metadata.dynamicBrokerConfigs('')]).toEqual([{ 'log.retention.ms': '1000' }, { 'log.retention.ms': '2000' }]);
    expect(publisher.events).toEqual(['broker configs', 'broker configs']);
  });

  it('has the elector answer ElectLeaders', () => {
    const asked: Array<[number, unknown]> = [];
    const clustered = build({ elector: { electLeaders: (type, partitions) => (asked.push([type, partitions]), [{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }]) } });
    expect(clustered.controller.electLeaders(1, null)).toEqual([{ topic: 't', partition: 0, errorCode: ErrorCode.NONE }]);
    expect(asked).toEqual([[1, null]]);
  });
});
