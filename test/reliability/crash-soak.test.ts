import { afterAll, expect, it } from 'vitest';
import { killBrokers, removeTempDirs, tempDir } from '../support/broker-harness.js';
import { runCrashSoak } from './crash/soak.js';

// Three seeded rounds of the crash soak (`npm run soak:crash` runs as many as asked): kill -9
// of the CLI broker under kafkajs and librdkafka acks=all load, restart on the same data dir,
// and every acknowledged record and group commit must be there, once, where it was
// acknowledged. Seed 7 kills twice in rounds 0 and 2 (the second time while everything is
// still recovering from the first).

afterAll(async () => {
  await killBrokers();
  removeTempDirs();
});

it('loses, duplicates and reorders nothing acknowledged across kill -9 and restart (3 rounds, seed 7)', { timeout: 180_000 }, async () => {
  const lines: string[] = [];
  const report = await runCrashSoak({ rounds: 3, seed: 7, partitions: 3, librdkafkaRate: 800, dataDir: tempDir('streamwright-crash-soak-'), log: (line) => lines.push(line) });

  const anomalies = report.anomalies.map((a) => `round ${a.round}${a.final ? ' (final)' : ''} ${a.kind}: ${a.detail}`);
  expect(anomalies, `${lines.join('\n')}\n${report.brokerStderr}`).toEqual([]);
  // It checked something: both clients had records acknowledged, the group commits, and every
  // round's records were read back twice (after their round and after the last one).
  expect(report.kills).toBe(5);
  expect(report.ackedKafkajs).toBeGreaterThanOrEqual(50);
  expect(report.ackedLibrdkafka).toBeGreaterThanOrEqual(500);
  expect(report.committedOffsetsChecked).toBeGreaterThan(0);
  expect(report.storedRecords).toBeGreaterThanOrEqual(report.ackedKafkajs + report.ackedLibrdkafka);
  expect(report.finalStoredRecords).toBe(report.storedRecords);
});
