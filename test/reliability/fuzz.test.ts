/**
 * The wire fuzzer's short, seeded run (the long one is `npm run fuzz`, docs/reliability.md):
 * mutated real-client frames over 8 connections for 20 s against the CLI broker as a child
 * process; the broker must stay up and answering, stay under the memory bound, and serve a
 * real client afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCliBroker, type BrokerUnderTest } from './fuzz/broker-under-test.js';
import { produceAndConsume } from './fuzz/client-check.js';
import { runFuzz, type FuzzResult } from './fuzz/runner.js';

const SEED = 20261207;
const SECONDS = 20;
/** The goal of docs/reliability.md for the long run; a short run must stay under it too. */
const RSS_BOUND_MB = 300;

describe('wire fuzzer (seeded, short)', () => {
  let broker: BrokerUnderTest;
  let result: FuzzResult;

  beforeAll(async () => {
    broker = await startCliBroker();
    // The RSS limit stops the run (and kills the broker) well before it could hurt the machine.
    result = await runFuzz(broker, { seconds: SECONDS, seed: SEED, connections: 8, rssLimitMb: 1024 });
  }, 180_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('sent frames and kept the broker alive and answering', () => {
    expect(result.frames).toBeGreaterThan(1000);
    expect(result.brokerExit, broker.stderrTail().slice(-2000)).toBeUndefined();
    expect(result.probeFailures).toEqual([]);
  });

  it(`kept the broker's peak RSS under ${RSS_BOUND_MB} MiB`, () => {
    expect(result.peakRssMb, `RSS per second: ${result.rssTimeline.map(([ms, mb]) => `${Math.round(ms / 1000)}s:${mb}`).join(' ')}`).toBeLessThan(RSS_BOUND_MB);
  });

  it('heard from the broker itself: its longest event-loop stall and its memory by kind (reported, not judged)', () => {
    expect(result.maxStallMs).toBeTypeOf('number');
    expect(result.memoryAtPeak?.rss).toBeGreaterThan(0);
    console.log(`fuzz: ${result.frames} frames, peak RSS ${result.peakRssMb} MiB, longest event-loop stall ${result.maxStallMs} ms, memory at peak ${JSON.stringify(result.memoryAtPeak)}`);
  });

  it('still lets kafkajs produce and consume afterwards', async () => {
    const values = await produceAndConsume(broker.address, `fuzz-after-${SEED}`);
    expect(values).toEqual(['after-fuzz-1', 'after-fuzz-2', 'after-fuzz-3']);
  }, 60_000);
});
