// The tools' pure parts: Kafka's line reader and message formatter, the topic filter, the
// describe layout, the partitioner and flag parsing.
import { describe, expect, it } from 'vitest';
import { intFlag, keyValues, parseFlags, UsageError } from '../../src/cli/args.js';
import { formatRecord, outputFormat } from '../../src/cli/commands/console-consumer.js';
import { lineFormat, parseLine } from '../../src/cli/commands/console-producer.js';
import { describeLines, topicFilter } from '../../src/cli/commands/topics.js';
import { murmur2, partitionForKey, StickyPartitioner } from '../../src/client/partitioner.js';
import type { ConsumedRecord } from '../../src/client/simple-consumer.js';

const text = (b: Buffer | null | undefined) => (b === null || b === undefined ? null : b.toString('utf8'));

describe('console-producer line parsing (Kafka LineMessageReader)', () => {
  const keyed = lineFormat(new Map([['parse.key', 'true'], ['key.separator', ':']]));

  it('splits the key at the first separator', () => {
    const r = parseLine('k:v:w', 1, keyed);
    expect([text(r.key), text(r.value)]).toEqual(['k', 'v:w']);
    expect(parseLine('plain line', 1, lineFormat(new Map())).key).toBeNull();
  });

  it('uses a tab as the default key separator and reports lines without one', () => {
    const tabbed = lineFormat(new Map([['parse.key', 'TRUE']]));
    expect(text(parseLine('a\tb', 1, tabbed).key)).toBe('a');
    expect(() => parseLine('no tab', 7, tabbed)).toThrow("No key separator found on line number 7: 'no tab'");
    const lenient = lineFormat(new Map([['parse.key', 'true'], ['ignore.error', 'true']]));
    const r = parseLine('no tab', 1, lenient);
    expect([r.key, text(r.value)]).toEqual([null, 'no tab']);
  });

  it('parses headers and null markers', () => {
    const f = lineFormat(new Map([['parse.headers', 'true'], ['parse.key', 'true'], ['null.marker', '~']]));
    const r = parseLine('a:1,b:~\t~\tvalue', 1, f);
    expect(r.key).toBeNull();
    expect(text(r.value)).toBe('value');
    expect(r.headers!.map((h) => [h.key, text(h.value)])).toEqual([
      ['a', '1'],
      ['b', null],
    ]);
    expect(() => parseLine('nokeysep\tk\tv', 3, f)).toThrow("No header key separator found in pair 'nokeysep' on line number 3");
  });

  it('rejects clashing separators like Kafka does', () => {
    expect(() => lineFormat(new Map([['headers.separator', '\t']]))).toThrow('headers.delimiter and headers.separator may not be equal');
    expect(() => lineFormat(new Map([['null.marker', '\t']]))).toThrow('null.marker and key.separator may not be equal');
  });
});

describe('console-consumer output (Kafka DefaultMessageFormatter)', () => {
  const record: ConsumedRecord = {
    topic: 't',
    partition: 2,
    offset: 41n,
    timestamp: 1700000000000n,
    timestampType: 0,
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    headers: [
      { key: 'h1', value: Buffer.from('x') },
      { key: 'h2', value: null },
    ],
  };

  it('prints only the value by default', () => {
    expect(formatRecord(record, outputFormat(new Map())).toString()).toBe('v\n');
  });

  it('prints the enabled fields in Kafka\'s order, separated by key.separator', () => {
    const all = outputFormat(new Map(['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key'].map((p) => [p, 'true'])));
    expect(formatRecord(record, all).toString()).toBe('CreateTime:1700000000000\tPartition:2\tOffset:41\th1:x,h2:null\tk\tv\n');
    expect(formatRecord({ ...record, timestampType: 1, headers: [] }, all).toString()).toBe('LogAppendTime:1700000000000\tPartition:2\tOffset:41\tNO_HEADERS\tk\tv\n');
  });

  it('honours separators, null.literal and print.value=false', () => {
    const f = outputFormat(
      new Map([
        ['print.key', 'true'],
        ['key.separator', '|'],
        ['line.separator', ';'],
        ['null.literal', 'NIL'],
      ]),
    );
    expect(formatRecord({ ...record, key: null }, f).toString()).toBe('NIL|v;');
    const keysOnly = outputFormat(new Map([['print.key', 'true'], ['print.value', 'false']]));
    expect(formatRecord(record, keysOnly).toString()).toBe('k\n');
  });
});

describe('topics', () => {
  it('matches --topic like kafka-topics.sh (whole-name regex, commas as alternatives)', () => {
    const f = topicFilter('orders.*, payments');
    expect(['orders', 'orders-eu', 'payments', 'payments2', 'my-orders'].filter(f)).toEqual(['orders', 'orders-eu', 'payments']);
    expect(topicFilter('"quoted"')('quoted')).toBe(true);
    expect(() => topicFilter('(')).toThrow('is an invalid regex');
  });

  it('lays out --describe like kafka-topics.sh', () => {
    const out = describeLines(
      {
        name: 't',
        topicId: 'abcdefghijklmnopqrstuv',
        isInternal: false,
        errorCode: 0,
        partitions: [
          { partition: 0, errorCode: 0, leaderId: 1, leaderEpoch: 0, replicas: [1, 2], isr: [1, 2] },
          { partition: 1, errorCode: 0, leaderId: -1, leaderEpoch: 0, replicas: [2, 1], isr: [] },
        ],
      },
      'retention.ms=1',
    );
    expect(out).toEqual([
      'Topic: t\tTopicId: abcdefghijklmnopqrstuv\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: retention.ms=1',
      '\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2\tElr: N/A\tLastKnownElr: N/A',
      '\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,1\tIsr: \tElr: N/A\tLastKnownElr: N/A',
    ]);
  });
});

describe('partitioner', () => {
  it('computes Kafka\'s murmur2 (vectors from Kafka\'s UtilsTest)', () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of cases) expect(murmur2(Buffer.from(input)), input).toBe(expected);
    expect(partitionForKey(Buffer.from('foobar'), 7)).toBe((-790332482 & 0x7fffffff) % 7);
  });

  it('sticks to one partition for keyless records until a batch is sent', () => {
    const sticky = new StickyPartitioner();
    const first = sticky.partition('t', 4);
    expect(sticky.partition('t', 4)).toBe(first);
    sticky.next('t', first, 4);
    expect(sticky.partition('t', 4)).not.toBe(first);
  });
});

describe('flags', () => {
  it('parses repeated flags and key=value lists', () => {
    const flags = parseFlags(['--config', 'a=1', '--config=b=x=y', '--on'], { config: { type: 'string', multiple: true }, on: { type: 'boolean' } });
    expect(flags.on).toBe(true);
    expect([...keyValues(flags.config, 'config')]).toEqual([
      ['a', '1'],
      ['b', 'x=y'],
    ]);
  });

  it('turns bad input into UsageError', () => {
    expect(() => parseFlags(['--nope'], {})).toThrow(UsageError);
    expect(() => parseFlags(['positional'], {})).toThrow(UsageError);
    expect(() => keyValues(['novalue'], 'config')).toThrow(UsageError);
    expect(() => intFlag('1.5', 'n')).toThrow(UsageError);
    expect(() => intFlag('0', 'n', 1)).toThrow(UsageError);
    expect(intFlag('42', 'n')).toBe(42);
    expect(intFlag(undefined, 'n')).toBeUndefined();
  });
});
