import { afterAll, afterEach, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { Cleanup, removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { readOffsetsTopic } from '../groups/support/offsets-topic.js';
import { assignment, startCluster } from './support/cluster-harness.js';
import { commitOffsets, connectTo, fetchOffsets, findGroupCoordinator } from './support/group-requests.js';
import { waitFor } from '../../support/wait-for.js';

// Every broker's group coordinator hears of a topic deletion from the cluster metadata, whichever
// broker handled DeleteTopics, and drops its groups' offsets of that topic with tombstones.

const cleanup = new Cleanup();
afterEach(() => cleanup.run());
afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

it('a topic deleted through another broker loses its group offsets at the coordinator, with tombstones that outlive a restart', { timeout: 120_000 }, async () => {
  const kafka = await startCluster({ 'offsets.topic.num.partitions': 3 });
  const groupId = 'deletion-group';
  const offsetsPartition = kafka.broker(0).instance.groupCoordinator.groupManager.partitionFor(groupId);
  for (const [name, numPartitions] of [['doomed', 2], ['kept', 1]] as const) kafka.broker(0).instance.controller.createTopic({ name, numPartitions, replicationFactor: 3 });

  const first = await connectTo(kafka, 0, cleanup);
  const coordinator = (await waitFor(async () => {
    const found = await findGroupCoordinator(first, groupId);
    return found.errorCode === ErrorCode.NONE ? found : undefined;
  }, { what: 'the group coordinator' })).nodeId;
  const atCoordinator = await connectTo(kafka, coordinator, cleanup);
  expect(await commitOffsets(atCoordinator, groupId, '', -1, 'doomed', { 0: 5, 1: 7 })).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
  expect(await commitOffsets(atCoordinator, groupId, '', -1, 'kept', { 0: 2 })).toEqual([ErrorCode.NONE]);

  // DeleteTopics goes to a broker that does not coordinate the group.
  const other = kafka.nodeIds.find((id) => id !== coordinator)!;
  const deleted = await (await connectTo(kafka, other, cleanup)).request(ApiKeys.DeleteTopics, 4, { topicNames: ['doomed'], timeoutMs: 10_000 });
  expect(deleted.responses.map((r) => [r.name, r.errorCode])).toEqual([['doomed', ErrorCode.NONE]]);

  const allOffsets = async (nodeId: number) => {
    const response = await (await connectTo(kafka, nodeId, cleanup)).request(ApiKeys.OffsetFetch, 7, { groupId, topics: null, requireStable: false });
    expect(response.errorCode).toBe(ErrorCode.NONE);
    return response.topics.map((t) => ({ topic: t.name, offsets: t.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]) }));
  };
  expect(await allOffsets(coordinator)).toEqual([{ topic: 'kept', offsets: [[0, 2]] }]);
  expect((await fetchOffsets(atCoordinator, groupId, 'doomed', [0, 1])).offsets).toEqual({ 0: -1, 1: -1 });
  const tombstones = () => readOffsetsTopic(kafka.broker(coordinator).instance).commits.filter((c) => c.group === groupId && c.topic === 'doomed' && c.offset === null).map((c) => c.partition).sort();
  await waitFor(() => tombstones().length === 2, { timeoutMs: 20_000, what: 'tombstones in the coordinator\'s log' });
  expect(tombstones()).toEqual([0, 1]);

  // The coordinator restarts, catches up, leads its partition again and loads it from its own log.
  await kafka.broker(coordinator).restart();
  await waitFor(() => assignment(kafka, '__consumer_offsets', offsetsPartition).isr.includes(coordinator), { timeoutMs: 30_000, what: 'the coordinator back in the ISR' });
  expect(kafka.controller!.electLeaders(0, [{ topic: '__consumer_offsets', partition: offsetsPartition }])[0]!.errorCode).toBe(ErrorCode.NONE);
  expect(await allOffsets(coordinator)).toEqual([{ topic: 'kept', offsets: [[0, 2]] }]);
  await waitFor(() => tombstones().length === 2, { timeoutMs: 20_000, what: 'the tombstones after the restart' });
});
