import { Partitioners } from 'kafkajs';
import { afterAll, expect, it } from 'vitest';
import { removeTempDirs, stopKafkas } from '../../support/broker-harness.js';
import { assignment, clusterClient, startCluster } from './support/cluster-harness.js';
import { waitFor } from '../../support/wait-for.js';

// The brokers of an embedded cluster share one process (and one event loop) with their
// controller. When that process stalls (a long GC, a busy machine, a test that blocks), no
// broker heartbeats; the cluster must come back on its own afterwards rather than fence every
// broker for good and leave every partition without a leader.

afterAll(async () => {
  await stopKafkas();
  removeTempDirs();
});

/** Blocks the event loop, as a stalled process does. */
function stallFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: no timer, heartbeat or request runs meanwhile
  }
}

it('after the process stalls past broker.session.timeout.ms, every partition has a leader and its full ISR again', { timeout: 90_000 }, async () => {
  const kafka = await startCluster();
  const topic = 'stalled';
  const client = clusterClient(kafka, 'stall-client');
  const admin = client.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }], waitForLeaders: true });
  const healthy = () => [0, 1, 2].every((p) => assignment(kafka, topic, p).leaderId >= 0 && assignment(kafka, topic, p).isr.length === 3);
  await waitFor(healthy, { timeoutMs: 20_000, what: 'every partition led with its full ISR' });

  // Stalls at several moments relative to the brokers' heartbeats (200 ms) and the controller's
  // session check (375 ms): after a stall, whichever timer was due first runs first, so either
  // every broker heartbeats before the check or the check finds every session expired. 1.4 s is
  // under the session timeout (1.5 s) for the check, yet a heartbeat due just before it is
  // missed by then; 2.5 s outlasts every session.
  for (let round = 0; round < 8; round++) {
    await new Promise((resolve) => setTimeout(resolve, 53 * round));
    stallFor(round % 2 === 0 ? 2_500 : 1_400);
    await waitFor(healthy, { timeoutMs: 15_000, what: `every partition led with its full ISR after stall ${round}` });
  }

  const producer = client.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const sent = await producer.send({ topic, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: `after-stall-${partition}` })) });
  expect(sent.map((r) => r.errorCode)).toEqual([0, 0, 0]);
  await producer.disconnect();
  await admin.disconnect();
});
