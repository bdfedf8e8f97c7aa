// console-producer and console-consumer against an in-process broker, each cross-checked
// with a real client (kcat / librdkafka) on the other end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { cli, kcat, killChildren, lines, startCli } from './cli-process.js';

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

let topicCount = 0;
/** A fresh topic per test, so tests do not see each other's records. */
async function createTopic(partitions = 1): Promise<string> {
  const topic = `console-${++topicCount}`;
  const result = await cli(['topics', '--bootstrap-server', bootstrap, '--create', '--topic', topic, '--partitions', String(partitions)]);
  expect(result.code, result.stderr).toBe(0);
  return topic;
}

const produce = (topic: string, input: string, ...args: string[]) => cli(['console-producer', '--bootstrap-server', bootstrap, '--topic', topic, ...args], { input });
const consume = (topic: string, ...args: string[]) => cli(['console-consumer', '--bootstrap-server', bootstrap, '--topic', topic, ...args], { timeoutMs: 25_000 });

/** All records of a topic as kcat sees them, with a kcat -f format. */
async function kcatRead(topic: string, format = '%k:%s\\n'): Promise<string[]> {
  const result = await kcat(['-b', bootstrap, '-t', topic, '-C', '-o', 'beginning', '-e', '-q', '-f', format]);
  expect(result.code, result.stderr).toBe(0);
  return lines(result.stdout);
}

describe('streamwright console-producer', () => {
  it('sends one record per line, splitting keys at key.separator with parse.key=true', async () => {
    const topic = await createTopic();
    const result = await produce(topic, 'user1:hello\nuser2:a:b:c\n:empty key\nuser3:\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    // The key ends at the first separator; the rest (separators included) is the value.
    expect(await kcatRead(topic)).toEqual(['user1:hello', 'user2:a:b:c', ':empty key', 'user3:']);
  });

  it('sends whole lines as values without parse.key, keeping their order across batches', async () => {
    const topic = await createTopic();
    const input = Array.from({ length: 3000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
    const result = await produce(topic, input.join('\n') + '\n', '--batch-size', '4096');
    expect(result.code, result.stderr).toBe(0);
    const read = await kcatRead(topic, '%s|%k\\n');
    expect(read).toEqual(input.map((line) => `${line}|`));
  });

  it('places keyed records on the same partitions as librdkafka\'s murmur2 partitioner (Kafka\'s default)', async () => {
    const topic = await createTopic(6);
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    const ours = await produce(topic, keys.map((k) => `${k}\tours`).join('\n'), '--property', 'parse.key=true');
    expect(ours.code, ours.stderr).toBe(0);
    const theirs = await kcat(['-b', bootstrap, '-t', topic, '-P', '-K', '\t', '-X', 'partitioner=murmur2_random'], { input: keys.map((k) => `${k}\ttheirs`).join('\n') + '\n' });
    expect(theirs.code, theirs.stderr).toBe(0);
    const placed = await kcatRead(topic, '%k %s %p\\n');
    expect(placed).toHaveLength(80);
    const partitionOf = new Map<string, string>();
    for (const line of placed.filter((l) => l.includes(' ours '))) partitionOf.set(line.split(' ')[0]!, line.split(' ')[2]!);
    for (const line of placed.filter((l) => l.includes(' theirs '))) {
      const [key, , partition] = line.split(' ');
      expect(partitionOf.get(key!), key).toBe(partition);
    }
    // And the keys do spread over the partitions.
    expect(new Set(partitionOf.values()).size).toBeGreaterThan(3);
  });

  it('parses headers with parse.headers=true and turns null.marker into null', async () => {
    const topic = await createTopic();
    const result = await produce(topic, 'h1:v1,h2:v2\tk1\tvalue one\nh3:NULL\tNULL\tNULL\n', '--property', 'parse.headers=true', '--property', 'parse.key=true', '--property', 'null.marker=NULL');
    expect(result.code, result.stderr).toBe(0);
    const read = await kcat(['-b', bootstrap, '-t', topic, '-C', '-o', 'beginning', '-e', '-q', '-J']);
    expect(read.code, read.stderr).toBe(0);
    const records = lines(read.stdout).map((l) => JSON.parse(l) as { headers: Array<string | null>; key: string | null; payload: string | null });
    expect(records.map(({ headers, key, payload }) => ({ headers, key, payload }))).toEqual([
      { headers: ['h1', 'v1', 'h2', 'v2'], key: 'k1', payload: 'value one' },
      { headers: ['h3', null], key: null, payload: null },
    ]);
  });

  it('works with every compression codec and with acks 0, 1 and all', async () => {
    const topic = await createTopic();
    const variants = [
      ['--compression-codec', 'gzip'],
      ['--compression-codec', 'snappy'],
      ['--compression-codec', 'lz4'],
      ['--compression-codec', 'zstd'],
      ['--request-required-acks', '1'],
      ['--request-required-acks', 'all'],
      ['--request-required-acks', '0'],
    ];
    for (const [i, args] of variants.entries()) {
      const result = await produce(topic, `v${i}-a\nv${i}-b\n`, ...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    // acks=0 gets no answer: wait until the broker has appended the last two records.
    const expected = variants.flatMap((_, i) => [`:v${i}-a`, `:v${i}-b`]);
    let read: string[] = [];
    for (let attempt = 0; attempt < 50 && read.length < expected.length; attempt++) read = await kcatRead(topic);
    expect(read).toEqual(expected);
  });

  it('stops at a line without key separator (exit 1) after writing the lines before it', async () => {
    const topic = await createTopic();
    const result = await produce(topic, 'a:1\nno separator here\nb:2\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No key separator found on line number 2: 'no separator here'");
    expect(await kcatRead(topic)).toEqual(['a:1']);
  });

  it('fails (exit 1) when the topic does not appear within --max-block-ms', async () => {
    const strict = await EmbeddedKafka.start({ config: { 'auto.create.topics.enable': false } });
    try {
      const result = await cli(['console-producer', '--bootstrap-server', strict.bootstrapServers[0]!, '--topic', 'missing', '--max-block-ms', '500'], { input: 'x\n' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('UNKNOWN_TOPIC_OR_PARTITION');
    } finally {
      await strict.stop();
    }
  });
});

describe('streamwright console-consumer', () => {
  it('prints values from the beginning and stops after --max-messages', async () => {
    const topic = await createTopic();
    const produced = await kcat(['-b', bootstrap, '-t', topic, '-P'], { input: Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n') + '\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const result = await consume(topic, '--from-beginning', '--max-messages', '4');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(result.stderr).toContain('Processed a total of 4 messages');
  });

  it('prints keys, timestamps, partitions, offsets and headers with the formatter properties', async () => {
    const topic = await createTopic();
    const produced = await kcat(['-b', bootstrap, '-t', topic, '-P', '-K', ':', '-H', 'trace=abc', '-H', 'n=1'], { input: 'k1:v1\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const plain = await kcat(['-b', bootstrap, '-t', topic, '-P'], { input: 'nokey\n' });
    expect(plain.code, plain.stderr).toBe(0);

    const result = await consume(topic, '--from-beginning', '--max-messages', '2', '--property', 'print.key=true', '--property', 'print.timestamp=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true');
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^CreateTime:\d{13}\tPartition:0\tOffset:0\ttrace:abc,n:1\tk1\tv1$/);
    expect(out[1]).toMatch(/^CreateTime:\d{13}\tPartition:0\tOffset:1\tNO_HEADERS\tnull\tnokey$/);

    const custom = await consume(topic, '--from-beginning', '--max-messages', '2', '--property', 'print.key=true', '--property', 'key.separator= => ', '--property', 'null.literal=<none>');
    expect(lines(custom.stdout)).toEqual(['k1 => v1', '<none> => nokey']);
  });

  it('exits 0 after --timeout-ms without new records, having printed what there was', async () => {
    const topic = await createTopic(3);
    const produced = await produce(topic, 'a:1\nb:2\nc:3\nd:4\n', '--property', 'parse.key=true', '--property', 'key.separator=:');
    expect(produced.code, produced.stderr).toBe(0);
    const result = await consume(topic, '--from-beginning', '--timeout-ms', '1500', '--property', 'print.key=true', '--property', 'key.separator=:');
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout).sort()).toEqual(['a:1', 'b:2', 'c:3', 'd:4']);
    expect(result.stderr).toContain('Processed a total of 4 messages');
  });

  it('starts at the end of the log without --from-beginning', async () => {
    const topic = await createTopic();
    expect((await produce(topic, 'old-1\nold-2\n')).code).toBe(0);
    const result = await consume(topic, '--timeout-ms', '1000');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Processed a total of 0 messages');
  });

  it('reads one partition from an offset, skipping the records of a batch before it', async () => {
    const topic = await createTopic(2);
    // One stdin chunk, one partition: the five records share a batch.
    const produced = await cli(['console-producer', '--bootstrap-server', bootstrap, '--topic', topic, '--property', 'parse.key=true', '--property', 'key.separator=:'], { input: 'same:r0\nsame:r1\nsame:r2\nsame:r3\nsame:r4\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const partition = (await kcatRead(topic, '%p\\n'))[0]!;

    const fromTwo = await consume(topic, '--partition', partition, '--offset', '2', '--max-messages', '3', '--property', 'print.offset=true');
    expect(fromTwo.code, fromTwo.stderr).toBe(0);
    expect(lines(fromTwo.stdout)).toEqual(['Offset:2\tr2', 'Offset:3\tr3', 'Offset:4\tr4']);

    const earliest = await consume(topic, '--partition', partition, '--offset', 'earliest', '--max-messages', '1');
    expect(lines(earliest.stdout)).toEqual(['r0']);
    const other = await consume(topic, '--partition', String(1 - Number(partition)), '--offset', 'earliest', '--timeout-ms', '800');
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toBe('');
  });

  it('keeps consuming records produced while it runs, and stops on SIGINT with exit code 0', async () => {
    const topic = await createTopic();
    expect((await produce(topic, 'first\n')).code).toBe(0);
    const consumer = startCli(['console-consumer', '--bootstrap-server', bootstrap, '--topic', topic, '--from-beginning']);
    await consumer.waitForOutput('first\n');
    expect((await produce(topic, 'second\n')).code).toBe(0);
    await consumer.waitForOutput('second\n');
    consumer.signal('SIGINT');
    const finished = await consumer.exited;
    expect(finished.code).toBe(0);
    expect(lines(finished.stdout)).toEqual(['first', 'second']);
    expect(finished.stderr).toContain('Processed a total of 2 messages');
  });

  it('answers bad flag combinations with usage and exit code 2', async () => {
    const topic = await createTopic();
    for (const args of [['--offset', '3'], ['--partition', '0', '--offset', '1', '--from-beginning'], ['--partition', '0', '--offset', '-5'], ['--group', 'g'], ['--max-messages', 'many']]) {
      const result = await consume(topic, ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('usage: streamwright console-consumer');
    }
  });
});
