import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { ApiKeys } from '../../../src/protocol/generated/messages.js';
import { assignment, commit, commitErrors, join as joinGroup, subscription, sync } from './support/group-protocol.js';
import { killAll, run } from './support/processes.js';
import { connectWire } from '../../support/wire-client.js';
import type { KafkaConnection } from '../../../src/client/kafka-connection.js';

// `streamwright consumer-groups` (the compiled CLI, as users run it) against the broker.

const CLI = join(import.meta.dirname, '..', '..', '..', 'dist', 'cli', 'main.js');
const TOPIC = 'lagging';
const GROUP = 'cli-group';

let kafka: EmbeddedKafka;
let bootstrap: string;
let raw: KafkaConnection;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent') });
  bootstrap = kafka.bootstrapServers[0]!;
  kafka.broker().instance.controller.createTopic({ name: TOPIC, numPartitions: 2, replicationFactor: 1 });
  const producer = new Kafka({ clientId: 'cli-test', brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({ topic: TOPIC, messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `p${partition}-${i}` })) });
  }
  await producer.disconnect();
  raw = await connectWire(bootstrap, 'cli-test-member');
});
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  raw?.close();
  await kafka?.stop();
});

const cli = (...args: string[]) => run(process.execPath, [CLI, 'consumer-groups', '--bootstrap-server', bootstrap, ...args], { timeoutMs: 30_000 });

/** The data rows of a table: whitespace-separated columns, header dropped. */
function table(stdout: string): string[][] {
  return stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('GROUP')).map((l) => l.trim().split(/\s+/));
}

it('lists and describes a group with the lag of each partition and its owner', async () => {
  const member = await joinGroup(raw, { groupId: GROUP, sessionTimeoutMs: 30_000, protocols: [{ name: 'range', metadata: subscription([TOPIC]) }] });
  await sync(raw, GROUP, member.memberId, member.generationId, [{ memberId: member.memberId, assignment: assignment({ [TOPIC]: [0] }) }]);
  expect(commitErrors(await commit(raw, GROUP, member.memberId, member.generationId, [{ topic: TOPIC, partition: 0, offset: 4 }, { topic: TOPIC, partition: 1, offset: 10 }]))).toEqual([0, 0]);

  const list = await cli('--list');
  expect(list.code, list.stderr).toBe(0);
  expect(list.stdout.split('\n')).toContain(GROUP);

  const described = await cli('--describe', '--group', GROUP);
  expect(described.code, described.stderr).toBe(0);
  expect(described.stdout).toMatch(/GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID/);
  expect(table(described.stdout)).toEqual([
    [GROUP, TOPIC, '0', '4', '10', '6', member.memberId, '/127.0.0.1', 'cli-test-member'],
    [GROUP, TOPIC, '1', '10', '10', '0', '-', '-', '-'],
  ]);

  // Offsets of an active group cannot be reset.
  const refused = await cli('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain(`the group '${GROUP}' is inactive, but the current state is Stable`);
  await raw.request(ApiKeys.LeaveGroup, 3, { groupId: GROUP, members: [{ memberId: member.memberId, groupInstanceId: null }] });

  const empty = await cli('--describe', '--group', GROUP);
  expect(empty.stderr).toContain(`Consumer group '${GROUP}' has no active members.`);
  expect(table(empty.stdout).map((r) => r.slice(2, 7))).toEqual([['0', '4', '10', '6', '-'], ['1', '10', '10', '0', '-']]);
}, 60_000);

it('resets offsets (dry run, earliest, offset, datetime) and a consumer starts from them', async () => {
  const committed = () => [0, 1].map((p) => kafka.broker().instance.groupCoordinator.group(GROUP)?.offset(TOPIC, p)?.offset);
  const dryRun = await cli('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-latest', '--dry-run');
  expect(dryRun.code, dryRun.stderr).toBe(0);
  expect(table(dryRun.stdout)).toEqual([[GROUP, TOPIC, '0', '10'], [GROUP, TOPIC, '1', '10']]);
  expect(committed()).toEqual([4, 10]);

  const toOffset = await cli('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:1`, '--to-offset', '7', '--execute');
  expect(toOffset.code, toOffset.stderr).toBe(0);
  expect(committed()).toEqual([4, 7]);
  const beyond = await cli('--reset-offsets', '--group', GROUP, '--topic', `${TOPIC}:0`, '--to-offset', '99', '--execute');
  expect(table(beyond.stdout)).toEqual([[GROUP, TOPIC, '0', '10']]);
  const byTime = await cli('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-datetime', '2000-01-01T00:00:00.000', '--execute');
  expect(byTime.code, byTime.stderr).toBe(0);
  expect(committed()).toEqual([0, 0]);
  const shifted = await cli('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--shift-by', '3', '--execute');
  expect(shifted.code, shifted.stderr).toBe(0);
  expect(committed()).toEqual([3, 3]);
  const earliest = await cli('--reset-offsets', '--group', GROUP, '--topic', TOPIC, '--to-earliest', '--execute');
  expect(earliest.code, earliest.stderr).toBe(0);
  expect(committed()).toEqual([0, 0]);

  // A consumer of the group now reads every record again.
  const consumer = new Kafka({ clientId: 'after-reset', brokers: [bootstrap], logLevel: logLevel.NOTHING }).consumer({ groupId: GROUP, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: false });
  const seen: string[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push(`${partition}:${message.offset}`);
      if (seen.length === 20) done();
    },
  });
  await all;
  await consumer.disconnect();
  expect(new Set(seen).size).toBe(20);
}, 60_000);

it('deletes an empty group, and refuses unknown ones', async () => {
  const deleted = await cli('--delete', '--group', GROUP);
  expect(deleted.code, deleted.stderr).toBe(0);
  expect(deleted.stdout).toContain(`Deletion of requested consumer groups ('${GROUP}') was successful.`);
  expect((await cli('--list')).stdout.split('\n')).not.toContain(GROUP);
  const again = await cli('--delete', '--group', GROUP);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('GROUP_ID_NOT_FOUND');
  const described = await cli('--describe', '--group', GROUP);
  expect(described.stderr).toContain(`Consumer group '${GROUP}' does not exist.`);
}, 60_000);
