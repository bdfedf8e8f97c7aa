import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '../../../src/broker/kafka-broker.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { encodeRecordBatchSync } from '../../../src/protocol/records/index.js';
import { rawFetch } from './support/helpers.js';
import { batch, initProducerId, produce } from './support/raw-producer.js';
import { systemClock } from '../../../src/broker/clock.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// The time-driven parts, on a broker with an injected clock: transaction timeouts,
// transactional.id.expiration.ms and producer.id.expiration.ms. The periodic tasks are called
// directly after moving the clock (their timers only decide when they run).

let now = Date.now();
let broker: KafkaBroker;
let raw: KafkaConnection;
let dataDir: string;
const topic = 'expiring';

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'streamwright-txn-expiration-'));
  broker = await KafkaBroker.start({
    dataDir,
    clock: { ...systemClock, now: () => now },
    logger: consoleLogger('silent'),
    config: {
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transactional.id.expiration.ms': 3_600_000,
      'producer.id.expiration.ms': 600_000,
    },
  });
  raw = await connectWire(`${broker.host}:${broker.port}`);
  broker.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 1 });
});
afterAll(async () => {
  raw?.close();
  await broker?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('expiration by the broker clock', () => {
  it('aborts a transaction once its timeout has passed on the broker clock, fencing its producer', async () => {
    const id = 'exp-timeout';
    const init = await initProducerId(raw, { transactionalId: id, timeoutMs: 60_000 });
    await raw.request(ApiKeys.AddPartitionsToTxn, 1, { v3AndBelowTransactionalId: id, v3AndBelowProducerId: init.producerId, v3AndBelowProducerEpoch: init.producerEpoch, v3AndBelowTopics: [{ name: topic, partitions: [0] }] });
    await produce(raw, topic, 0, batch(init, 0, ['slow'], true), id);
    const coordinator = broker.transactionCoordinator;
    now += 59_000;
    expect(coordinator.abortTimedOutTransactions()).toBe(0);
    now += 2_000;
    expect(coordinator.abortTimedOutTransactions()).toBe(1);
    // The markers are written at once; the completion follows in a microtask.
    await new Promise((r) => setImmediate(r));
    const state = coordinator.describeTransactions([id])[0]!;
    expect(state).toMatchObject({ state: 'CompleteAbort', producerEpoch: init.producerEpoch + 1 });
    const fetched = await rawFetch(raw, topic, 0, 0, 1);
    expect(fetched.lastStableOffset).toBe(fetched.highWatermark);
    expect(fetched.abortedTransactions).toEqual([{ producerId: Number(init.producerId), firstOffset: 0 }]);
    const end = await raw.request(ApiKeys.EndTxn, 3, { transactionalId: id, producerId: init.producerId, producerEpoch: init.producerEpoch, committed: true });
    expect(end.errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  });

  it('removes transactional ids unused for transactional.id.expiration.ms, and idle producers after producer.id.expiration.ms', async () => {
    const id = 'exp-idle';
    const init = await initProducerId(raw, { transactionalId: id });
    const idempotent = await initProducerId(raw);
    await produce(raw, topic, 0, batchAt(idempotent.producerId, now));
    const coordinator = broker.transactionCoordinator;
    expect(coordinator.removeExpiredTransactionalIds()).toBe(0);
    expect(broker.replicaManager.removeExpiredProducers()).toBe(0);
    now += 3_600_001;
    expect(coordinator.removeExpiredTransactionalIds()).toBeGreaterThanOrEqual(1);
    expect(coordinator.describeTransactions([id])[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    // A new producer of the id starts over with a new producer id.
    const again = await initProducerId(raw, { transactionalId: id });
    expect(again.producerId).not.toBe(init.producerId);
    expect(again.producerEpoch).toBe(0);

    const log = broker.replicaManager.partition(topic, 0)!.log;
    expect(log.producerState.lastEntry(Number(idempotent.producerId))).toBeDefined();
    expect(broker.replicaManager.removeExpiredProducers()).toBeGreaterThanOrEqual(1);
    expect(log.producerState.lastEntry(Number(idempotent.producerId))).toBeUndefined();
  });
});

/** An idempotent batch stamped at `timestamp` (producer expiration goes by batch timestamps). */
function batchAt(producerId: bigint, timestamp: number): Buffer {
  return encodeRecordBatchSync({ producerId, producerEpoch: 0, baseSequence: 0, records: [{ key: null, value: 'idle', timestamp }] });
}
