import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { killAll, run } from './support/processes.js';
import { consumedRecords, produce } from './support/produce.js';

// kafka-python 2.0.2: JoinGroup v2 / SyncGroup v1 / OffsetCommit v2 as a group member, and
// OffsetCommit with generation -1 for a consumer that assigns its partitions itself.

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'support', 'kafka_python_consumer.py');

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start({ logger: consoleLogger('silent') });
  bootstrap = kafka.bootstrapServers[0]!;
});
afterEach(() => killAll());
afterAll(async () => {
  killAll();
  await kafka?.stop();
});

describe('kafka-python 2.0.2', () => {
  it('consumes as a group member, commits, and a second run resumes after the committed offsets', async () => {
    const topic = 'kp-group';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 3, replicationFactor: 1 });
    await produce(bootstrap, topic, 24, 'first');
    const env = { BOOTSTRAP: bootstrap, GROUP: 'kp-group', TOPIC: topic, MODE: 'group' };
    const first = await run(PYTHON, [SCRIPT], { env: { ...env, COUNT: '24' }, timeoutMs: 45_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(new Set(consumedRecords(first.stdout.split('\n')).map((r) => `${r.p}:${r.o}`)).size).toBe(24);
    const group = kafka.broker().instance.groupCoordinator.group('kp-group')!;
    const committed = [0, 1, 2].map((p) => group.offset(topic, p)?.offset ?? 0);
    expect(committed.reduce((a, b) => a + b, 0)).toBe(24);

    await produce(bootstrap, topic, 3, 'second');
    const second = await run(PYTHON, [SCRIPT], { env: { ...env, COUNT: '3' }, timeoutMs: 45_000 });
    expect(second.code, second.stderr).toBe(0);
    const resumed = consumedRecords(second.stdout.split('\n'));
    expect(resumed.length).toBe(3);
    expect(resumed.every((r) => r.o >= committed[r.p]!)).toBe(true);
  }, 60_000);

  it('commits offsets of manually assigned partitions (generation -1) and reads them back', async () => {
    const topic = 'kp-assign';
    kafka.broker().instance.controller.createTopic({ name: topic, numPartitions: 1, replicationFactor: 1 });
    await produce(bootstrap, topic, 10);
    const env = { BOOTSTRAP: bootstrap, GROUP: 'kp-manual', TOPIC: topic, MODE: 'assign' };
    const first = await run(PYTHON, [SCRIPT], { env: { ...env, COUNT: '4' }, timeoutMs: 45_000 });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('{"committed_before": null}');
    expect(first.stdout).toContain('{"committed": 4}');
    const stored = kafka.broker().instance.groupCoordinator.group('kp-manual')!.offset(topic, 0)!;
    expect([stored.offset, stored.metadata]).toEqual([4, 'from-kafka-python']);
    // The group never had members: it stays a simple, Empty group.
    expect(kafka.broker().instance.groupCoordinator.group('kp-manual')!.state).toBe('Empty');

    const second = await run(PYTHON, [SCRIPT], { env: { ...env, COUNT: '2' }, timeoutMs: 45_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('{"committed_before": 4}');
    expect(consumedRecords(second.stdout.split('\n')).map((r) => r.o)).toEqual([4, 5]);
  }, 60_000);
});
