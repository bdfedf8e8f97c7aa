import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplicationOffsetCheckpoint } from '../../../src/broker/storage/replication-offset-checkpoint.js';
import { tempDir } from './helpers.js';

// Kafka's replication-offset-checkpoint (the high watermarks of a data directory): the text
// format Kafka writes and reads, written atomically, and any unreadable file taken as absent
// with a warning rather than failing the broker.

function warnings() {
  const messages: string[] = [];
  return { messages, logger: { warn: (m: string) => messages.push(m) } };
}

describe('ReplicationOffsetCheckpoint', () => {
  it('writes Kafka\'s format (version 0, a count, then "<topic> <partition> <offset>" lines) and reads it back', () => {
    const dir = tempDir();
    const checkpoint = new ReplicationOffsetCheckpoint(dir);
    expect(checkpoint.file).toBe(path.join(dir, 'replication-offset-checkpoint'));
    const written = checkpoint.write([
      { topic: 'orders', partition: 1, offset: 42 },
      { topic: '__consumer_offsets', partition: 7, offset: 0 },
      { topic: 'orders', partition: 0, offset: 9007199254740991 },
    ]);
    expect(written).toBe(true);
    expect(fs.readFileSync(checkpoint.file, 'utf8')).toBe('0\n3\n__consumer_offsets 7 0\norders 0 9007199254740991\norders 1 42\n');
    // No temp file left behind: it was renamed over the checkpoint.
    expect(fs.readdirSync(dir)).toEqual(['replication-offset-checkpoint']);
    const read = new ReplicationOffsetCheckpoint(dir).read();
    expect([...read]).toEqual([
      ['__consumer_offsets-7', 0],
      ['orders-0', 9007199254740991],
      ['orders-1', 42],
    ]);
  });

  it('skips rewriting an unchanged file and rewrites a changed one', () => {
    const dir = tempDir();
    const checkpoint = new ReplicationOffsetCheckpoint(dir);
    expect(checkpoint.write([{ topic: 't', partition: 0, offset: 5 }])).toBe(true);
    expect(checkpoint.write([{ topic: 't', partition: 0, offset: 5 }])).toBe(false);
    expect(checkpoint.write([{ topic: 't', partition: 0, offset: 6 }])).toBe(true);
    expect(fs.readFileSync(checkpoint.file, 'utf8')).toBe('0\n1\nt 0 6\n');
    expect(checkpoint.write([])).toBe(true);
    expect(fs.readFileSync(checkpoint.file, 'utf8')).toBe('0\n0\n');
    expect(new ReplicationOffsetCheckpoint(dir).read().size).toBe(0);
  });

  it('reads a file written by Kafka, with a trailing-newline-free last line', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'replication-offset-checkpoint'), '0\n2\nmy.topic_v2-x 3 100\nother 0 7');
    const { messages, logger } = warnings();
    expect([...new ReplicationOffsetCheckpoint(dir, logger).read()]).toEqual([
      ['my.topic_v2-x-3', 100],
      ['other-0', 7],
    ]);
    expect(messages).toEqual([]);
  });

  it('treats a missing file as absent, silently', () => {
    const { messages, logger } = warnings();
    expect(new ReplicationOffsetCheckpoint(tempDir(), logger).read().size).toBe(0);
    expect(messages).toEqual([]);
  });

  const unreadable: Array<[string, string | Buffer]> = [
    ['an empty file (torn before its first write reached the disk)', ''],
    ['a torn file missing entries', '0\n3\nt 0 5\nt 1'],
    ['a count that does not match', '0\n1\nt 0 5\nt 1 6\n'],
    ['an unknown version', '1\n1\nt 0 5\n'],
    ['a negative offset', '0\n1\nt 0 -5\n'],
    ['a non-numeric partition', '0\n1\nt zero 5\n'],
    ['an entry with too many fields', '0\n1\nt 0 5 6\n'],
    ['an offset beyond 2^53', '0\n1\nt 0 99999999999999999999\n'],
    ['binary garbage', Buffer.from([0xff, 0x00, 0xfe, 0x0a, 0x13, 0x37, 0x0a, 0x00])],
  ];
  for (const [what, content] of unreadable) {
    it(`treats ${what} as absent, with a warning`, () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'replication-offset-checkpoint'), content);
      const { messages, logger } = warnings();
      expect(new ReplicationOffsetCheckpoint(dir, logger).read().size).toBe(0);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('replication-offset-checkpoint');
    });
  }

  it('treats a checkpoint that is not a file (a directory in its place) as absent, with a warning', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'replication-offset-checkpoint'));
    const { messages, logger } = warnings();
    expect(new ReplicationOffsetCheckpoint(dir, logger).read().size).toBe(0);
    expect(messages).toHaveLength(1);
  });
});
