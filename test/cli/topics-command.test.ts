// `streamwright topics` against an in-process broker, with kafka-topics.sh's output formats,
// cross-checked with kcat's view of the cluster metadata.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { cli, kcat, killChildren, lines } from './cli-process.js';

let kafka: EmbeddedKafka;
let bootstrap: string;

beforeAll(async () => {
  kafka = await EmbeddedKafka.start();
  bootstrap = kafka.bootstrapServers[0]!;
});
afterAll(async () => {
  killChildren();
  await kafka?.stop();
});

const topics = (...args: string[]) => cli(['topics', '--bootstrap-server', bootstrap, ...args]);

interface KcatTopic {
  topic: string;
  partitions: Array<{ partition: number; leader: number; replicas: Array<{ id: number }>; isrs: Array<{ id: number }> }>;
}
/** kcat's view of a topic. It lists all topics: `-L -t T` would let librdkafka auto-create T. */
async function kcatMetadata(topic: string): Promise<KcatTopic | undefined> {
  const result = await kcat(['-b', bootstrap, '-L', '-J']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { topics: KcatTopic[] }).topics.find((t) => t.topic === topic);
}

describe('streamwright topics', () => {
  it('creates a topic with partitions and configs, and describes it like kafka-topics.sh', async () => {
    const created = await topics('--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1', '--config', 'retention.ms=3600000', '--config', 'cleanup.policy=compact');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe('Created topic orders.\n');

    const meta = await kcatMetadata('orders');
    expect(meta?.partitions.map((p) => p.partition).sort()).toEqual([0, 1, 2]);

    const described = await topics('--describe', '--topic', 'orders');
    expect(described.code, described.stderr).toBe(0);
    const [header, ...partitions] = lines(described.stdout);
    expect(header).toMatch(/^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: (.*)$/);
    // Only the overridden configs, not the defaults.
    const configs = header!.slice(header!.indexOf('Configs: ') + 'Configs: '.length).split(',').sort();
    expect(configs).toEqual(['cleanup.policy=compact', 'retention.ms=3600000']);
    expect(partitions).toEqual([0, 1, 2].map((p) => `\tTopic: orders\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: N/A\tLastKnownElr: N/A`));
    // Leaders agree with what a real client reads from Metadata.
    for (const p of meta!.partitions) expect(p.leader).toBe(0);
  });

  it('uses the broker defaults without --partitions, and shows "Configs: " empty for a plain topic', async () => {
    expect((await topics('--create', '--topic', 'plain')).code).toBe(0);
    const described = await topics('--describe', '--topic', 'plain');
    expect(described.code, described.stderr).toBe(0);
    expect(lines(described.stdout)[0]).toMatch(/^Topic: plain\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: $/);
  });

  it('lists topic names sorted, one per line, and filters with --topic as a regular expression', async () => {
    for (const name of ['list-b', 'list-a', 'list-c']) expect((await topics('--create', '--topic', name, '--partitions', '1')).code).toBe(0);
    const listed = await topics('--list');
    expect(listed.code, listed.stderr).toBe(0);
    const names = lines(listed.stdout);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['list-a', 'list-b', 'list-c', 'orders']));

    const filtered = await topics('--list', '--topic', 'list-[ab]');
    expect(lines(filtered.stdout)).toEqual(['list-a', 'list-b']);
    const alternatives = await topics('--list', '--topic', 'list-c,list-a');
    expect(lines(alternatives.stdout)).toEqual(['list-a', 'list-c']);
  });

  it('fails to create an existing topic with Kafka\'s error name, unless --if-not-exists', async () => {
    expect((await topics('--create', '--topic', 'twice', '--partitions', '1')).code).toBe(0);
    const again = await topics('--create', '--topic', 'twice', '--partitions', '1');
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^Error while executing topic command : TOPIC_ALREADY_EXISTS: .*twice/m);
    const quiet = await topics('--create', '--topic', 'twice', '--if-not-exists');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  it('reports a broker validation error (invalid config value) with exit code 1', async () => {
    const bad = await topics('--create', '--topic', 'badconfig', '--config', 'retention.ms=soon');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Error while executing topic command : INVALID_CONFIG/);
    expect(lines((await topics('--list')).stdout)).not.toContain('badconfig');
  });

  it('fails to describe or delete an unknown topic, unless --if-exists', async () => {
    const describe = await topics('--describe', '--topic', 'no-such-topic');
    expect(describe.code).toBe(1);
    expect(describe.stderr).toContain("Topic 'no-such-topic' does not exist as expected");
    const remove = await topics('--delete', '--topic', 'no-such-topic');
    expect(remove.code).toBe(1);
    expect(remove.stderr).toContain("Topic 'no-such-topic' does not exist as expected");
    expect((await topics('--delete', '--topic', 'no-such-topic', '--if-exists')).code).toBe(0);
  });

  it('deletes a topic', async () => {
    expect((await topics('--create', '--topic', 'doomed', '--partitions', '2')).code).toBe(0);
    expect(lines((await topics('--list')).stdout)).toContain('doomed');
    const deleted = await topics('--delete', '--topic', 'doomed');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(lines((await topics('--list')).stdout)).not.toContain('doomed');
    expect(await kcatMetadata('doomed')).toBeUndefined();
  });

  it('raises the partition count with --alter', async () => {
    expect((await topics('--create', '--topic', 'growing', '--partitions', '1')).code).toBe(0);
    const altered = await topics('--alter', '--topic', 'growing', '--partitions', '4');
    expect(altered.code, altered.stderr).toBe(0);
    expect(lines((await topics('--describe', '--topic', 'growing')).stdout)[0]).toContain('PartitionCount: 4\t');
    expect((await kcatMetadata('growing'))?.partitions).toHaveLength(4);
    const shrink = await topics('--alter', '--topic', 'growing', '--partitions', '2');
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toContain('INVALID_PARTITIONS');
  });

  it('answers bad flags with usage and exit code 2', async () => {
    for (const args of [[], ['--list', '--create', '--topic', 'x'], ['--create'], ['--create', '--topic', 'x', '--partitions', '0'], ['--list', '--nope']]) {
      const result = await topics(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: streamwright topics');
    }
    const noServer = await cli(['topics', '--list']);
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('--bootstrap-server is required');
  });
});
