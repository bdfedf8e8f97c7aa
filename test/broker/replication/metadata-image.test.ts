import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { KafkaConnection } from '../../../src/client/kafka-connection.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { waitFor } from '../../support/wait-for.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';

// Each broker answers from its own metadata image, fed by the controller: a broker cut off from
// the controller keeps answering from what it last received, and catches up when it is back.

afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

interface MetadataAnswer {
  controllerId: number;
  brokers: Array<{ nodeId: number }>;
  topics: Array<{ name: string | null; errorCode: number; partitions: Array<{ partitionIndex: number; leaderId: number; leaderEpoch: number }> }>;
}

async function metadataOf(address: string): Promise<MetadataAnswer> {
  const [host, port] = address.split(':');
  const connection = await KafkaConnection.connect({ host: host!, port: Number(port), requestTimeoutMs: 5_000 });
  try {
    return (await connection.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false })) as MetadataAnswer;
  } finally {
    connection.close();
  }
}

const leaderOf = (answer: MetadataAnswer, topic: string) => {
  const partition = answer.topics.find((t) => t.name === topic)?.partitions[0];
  return partition && { leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch };
};

it('an isolated broker answers Metadata from the image it last received (stale leader and epoch, no new topic) and catches up when healed', { timeout: 60_000 }, async () => {
  const kafka = await startCluster();
  const address = (nodeId: number) => kafka.bootstrapServers[kafka.nodeIds.indexOf(nodeId)]!;
  const admin = clusterClient(kafka, 'image-admin').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'moving', replicaAssignment: [{ partition: 0, replicas: [0, 1, 2] }] }], waitForLeaders: true });
  await admin.disconnect();
  {
    expect(leaderOf(await metadataOf(address(2)), 'moving')).toEqual({ leaderId: 0, leaderEpoch: 0 });

    // Broker 2 no longer hears from the controller; clients still reach it.
    kafka.faults.isolate(2, { clients: false });
    await kafka.broker(0).stop();
    await waitFor(() => assignment(kafka, 'moving').leaderId === 1, { what: 'broker 1 leading after broker 0 stopped' });
    const moved = { leaderId: 1, leaderEpoch: assignment(kafka, 'moving').leaderEpoch };
    expect(moved.leaderEpoch).toBeGreaterThan(0);
    const survivor = new Kafka({ clientId: 'image-admin-1', brokers: [address(1)], logLevel: logLevel.NOTHING }).admin();
    await survivor.connect();
    await survivor.createTopics({ topics: [{ topic: 'fresh', replicaAssignment: [{ partition: 0, replicas: [1] }] }], waitForLeaders: false });
    await survivor.disconnect();

    // The rest of the cluster knows.
    const current = await metadataOf(address(1));
    expect(leaderOf(current, 'moving')).toEqual(moved);
    expect(leaderOf(current, 'fresh')).toEqual({ leaderId: 1, leaderEpoch: 0 });
    expect(current.controllerId).toBe(1);

    // The isolated broker answers from its old image.
    const stale = await metadataOf(address(2));
    expect(leaderOf(stale, 'moving')).toEqual({ leaderId: 0, leaderEpoch: 0 });
    expect(stale.topics.map((t) => t.name)).not.toContain('fresh');
    expect(stale.controllerId).toBe(0);
    expect(kafka.broker(2).instance.replicaManager.partition('moving', 0)!.leaderId).toBe(0);

    // Healed, it registers again and gets the controller's whole state.
    kafka.faults.heal();
    const caughtUp = await waitFor(
      async () => {
        const answer = await metadataOf(address(2));
        return answer.controllerId === 1 && leaderOf(answer, 'fresh') !== undefined ? answer : false;
      },
      { what: 'the healed broker answering from the current metadata' },
    );
    expect(leaderOf(caughtUp, 'moving')).toEqual({ leaderId: 1, leaderEpoch: assignment(kafka, 'moving').leaderEpoch });
    expect(leaderOf(caughtUp, 'fresh')).toEqual({ leaderId: 1, leaderEpoch: 0 });
    expect(caughtUp.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
    expect(kafka.broker(2).instance.replicaManager.partition('moving', 0)!.leaderId).toBe(1);
  }
});
