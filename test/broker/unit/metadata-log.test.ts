import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterMetadata } from '../../../src/broker/cluster/cluster-metadata.js';
import { removeTempDirs, tempDir } from '../../support/broker-harness.js';

// The metadata log a broker keeps in its data dir: a change appends its own records (not the
// whole state), an older snapshot file is converted, and a torn tail does not swallow later changes.

afterAll(() => removeTempDirs());

const lines = (dir: string) => readFileSync(join(dir, 'metadata.log'), 'utf8').trim().split('\n');

describe('metadata log', () => {
  it('appends one record per topic created, whatever the number of topics already there', () => {
    const dir = tempDir('metadata-log-');
    const metadata = ClusterMetadata.loadLog(dir, { fsync: true });
    metadata.createTopic('first', [[1], [1]], {});
    const afterFirst = readFileSync(join(dir, 'metadata.log'), 'utf8');
    metadata.createTopic('second', [[1]], { 'cleanup.policy': 'compact' });
    const text = readFileSync(join(dir, 'metadata.log'), 'utf8');
    expect(text.startsWith(afterFirst)).toBe(true);
    expect(text.slice(afterFirst.length).trim().split('\n').map((l) => (JSON.parse(l) as { type: string; topic: { name: string } }).topic.name)).toEqual(['second']);
    const reloaded = ClusterMetadata.loadLog(dir, { fsync: true });
    expect(reloaded.clusterId).toBe(metadata.clusterId);
    expect([...reloaded.topics].map((t) => [t.name, t.topicId, t.partitions.length, t.configs])).toEqual([
      ['first', metadata.topic('first')!.topicId, 2, {}],
      ['second', metadata.topic('second')!.topicId, 1, { 'cleanup.policy': 'compact' }],
    ]);
  });

  it('converts a data dir holding the older streamwright-metadata.json snapshot and removes it', () => {
    const dir = tempDir('metadata-log-convert-');
    const old = ClusterMetadata.load(dir);
    old.createTopic('kept', [[1]], {});
    old.allocateProducerIdBlock(1000);
    const metadata = ClusterMetadata.loadLog(dir, { fsync: true });
    expect(existsSync(join(dir, 'streamwright-metadata.json'))).toBe(false);
    expect(metadata.clusterId).toBe(old.clusterId);
    expect(metadata.topic('kept')!.topicId).toBe(old.topic('kept')!.topicId);
    expect(metadata.allocateProducerIdBlock(1000)).toBe(1000);
  });

  it('starts the log afresh after a torn tail, so changes made after it survive the next start', () => {
    const dir = tempDir('metadata-log-torn-');
    ClusterMetadata.loadLog(dir).createTopic('before', [[1]], {});
    appendFileSync(join(dir, 'metadata.log'), '{"type":"Topic","topic":{"na');
    const metadata = ClusterMetadata.loadLog(dir);
    metadata.createTopic('after', [[1]], {});
    expect(lines(dir).every((l) => l.endsWith('}'))).toBe(true);
    expect([...ClusterMetadata.loadLog(dir).topics].map((t) => t.name)).toEqual(['before', 'after']);
  });

  it('refuses a log that does not start with the cluster record', () => {
    const dir = tempDir('metadata-log-bad-');
    writeFileSync(join(dir, 'metadata.log'), '{"type":"ProducerIds","nextProducerId":0}\n');
    expect(() => ClusterMetadata.loadLog(dir)).toThrow(/does not start with a Cluster record/);
  });
});
