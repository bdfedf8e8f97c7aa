/**
 * The fuzz run: N connections send mutated corpus frames for a time (or a frame count) while
 * the broker's memory is sampled and its liveness probed; the run stops early if the broker
 * dies, stops answering, or exceeds the RSS limit (which protects the machine, not a verdict
 * by itself: the verdict is the caller's).
 */
import { writeFileSync } from 'node:fs';
import { prepareBombs } from './bomb.js';
import type { BrokerUnderTest } from './broker-under-test.js';
import { loadCorpus } from './corpus.js';
import { mapFrame } from './field-map.js';
import { runConnection } from './fuzz-connection.js';
import { probe, warmUp } from './liveness.js';
import { MUTATOR_NAMES, type Mutation, type MutatorName, type Seed } from './mutators.js';
import { Prng } from './prng.js';
import { FuzzStats } from './stats.js';

export interface FuzzOptions {
  readonly seconds: number;
  /** Stop after this many frames (whichever of time and frames comes first). */
  readonly maxFrames?: number;
  readonly seed: number;
  readonly connections: number;
  /** Only corpus frames of these API keys (default: all). */
  readonly apiKeys?: readonly number[];
  readonly mutators?: readonly MutatorName[];
  /** Unanswered frames per connection before it waits (default 64). */
  readonly window?: number;
  /** The broker is killed and the run stopped above this RSS (default 2048 MiB). */
  readonly rssLimitMb?: number;
  /** Where the last frames of each connection are written if the run fails (default: not written). */
  readonly traceFile?: string;
  readonly progress?: (line: string) => void;
}

export interface FuzzResult {
  readonly seed: number;
  readonly seconds: number;
  /** Time to create the internal topics before fuzzing (FindCoordinator until answered). */
  readonly warmUpMs: number;
  readonly frames: number;
  readonly framesPerSecond: number;
  readonly responses: number;
  readonly connectionsOpened: number;
  readonly closedByBroker: number;
  readonly stalled: number;
  readonly connectFailures: number;
  /** Mutations that threw (fuzzer bugs); the frame was skipped. */
  readonly mutatorErrors: number;
  readonly firstMutatorError: string | undefined;
  /** Highest VmRSS sampled and the kernel's VmHWM at the end (MiB). */
  readonly peakRssMb: number;
  readonly finalRssMb: number | undefined;
  /** The broker's longest event-loop stall over the run, as it measured it (monitorEventLoopDelay). */
  readonly maxStallMs: number | undefined;
  /** The broker's memory by kind when its RSS was highest, and each kind's own peak (MiB). */
  readonly memoryAtPeak: MemoryBreakdown | undefined;
  readonly memoryPeaks: Omit<MemoryBreakdown, 'rss' | 'heapTotal'> | undefined;
  readonly probes: number;
  readonly probeFailures: readonly string[];
  readonly maxProbeMs: number;
  /** How the broker ended, if it did not survive (crash, or killed at the RSS limit). */
  readonly brokerExit: string | undefined;
  readonly rssLimitExceeded: boolean;
  readonly perApi: Readonly<Record<string, number>>;
  readonly perMutator: Readonly<Record<string, number>>;
  /** RSS samples (elapsed ms, MiB) every second, to see growth. */
  readonly rssTimeline: ReadonlyArray<readonly [number, number]>;
}

export interface MemoryBreakdown {
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

const TRACE_PER_CONNECTION = 64;

const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));

export function loadSeeds(apiKeys?: readonly number[]): Seed[] {
  const corpus = loadCorpus().filter((f) => !apiKeys || apiKeys.includes(f.apiKey));
  if (corpus.length === 0) throw new Error(`no corpus frames for API keys ${apiKeys?.join(',')}`);
  return corpus.map((f) => ({ ...f, map: mapFrame(f.frame, f.apiKey) }));
}

export async function runFuzz(broker: BrokerUnderTest, options: FuzzOptions): Promise<FuzzResult> {
  const seeds = loadSeeds(options.apiKeys);
  const mutators = options.mutators ?? MUTATOR_NAMES;
  if (mutators.includes('bomb')) prepareBombs();
  const at = broker.address.lastIndexOf(':');
  const host = broker.address.slice(0, at);
  const port = Number(broker.address.slice(at + 1));
  // The internal topics' creation is a one-time cost, measured apart from the fuzzing.
  const warmUpMs = await warmUp(host, port);
  broker.resetStall();
  const stats = new FuzzStats();
  const rssLimitMb = options.rssLimitMb ?? 2048;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let stopReason: string | undefined;
  const running = () => stopReason === undefined && performance.now() < deadline && (options.maxFrames === undefined || stats.frames < options.maxFrames);

  const traces: Array<Array<{ apiKey: number; source: string; mutator: string; base64: string }>> = Array.from({ length: options.connections }, () => []);
  const trace = (connection: number, seed: Seed, mutation: Mutation) => {
    if (!options.traceFile) return;
    const ring = traces[connection]!;
    ring.push({ apiKey: seed.apiKey, source: seed.source, mutator: mutation.mutator, base64: mutation.wire.subarray(0, 64 * 1024).toString('base64') });
    if (ring.length > TRACE_PER_CONNECTION) ring.shift();
  };

  let peakRssMb = 0;
  let probes = 0;
  let maxProbeMs = 0;
  const probeFailures: string[] = [];
  const rssTimeline: Array<[number, number]> = [];
  let lastTimelineAt = -1000;
  const sampler = setInterval(() => {
    const memory = broker.memory();
    const elapsed = performance.now() - started;
    if (!memory) {
      stopReason ??= `broker ${broker.exit() ?? 'gone'}`;
      return;
    }
    peakRssMb = Math.max(peakRssMb, memory.rssMb);
    if (elapsed - lastTimelineAt >= 1000) {
      rssTimeline.push([Math.round(elapsed), Math.round(memory.rssMb)]);
      lastTimelineAt = elapsed;
    }
    if (memory.rssMb > rssLimitMb) stopReason ??= `RSS ${Math.round(memory.rssMb)} MiB over the ${rssLimitMb} MiB limit`;
  }, 100);

  const prober = (async () => {
    while (running()) {
      await new Promise((r) => setTimeout(r, 1000));
      if (!running()) break;
      const result = await probe(host, port);
      probes++;
      if (result instanceof Error) {
        probeFailures.push(`${((performance.now() - started) / 1000).toFixed(1)} s: ${result.message}`);
        if (probeFailures.length >= 3) stopReason ??= `broker not answering: ${result.message}`;
      } else {
        maxProbeMs = Math.max(maxProbeMs, result);
      }
    }
  })();

  const progress = setInterval(() => {
    const elapsed = (performance.now() - started) / 1000;
    const memory = broker.memory();
    options.progress?.(
      `${elapsed.toFixed(0)} s: ${stats.frames} frames (${Math.round(stats.frames / elapsed)}/s), ${stats.responses} responses, ${stats.closedByBroker} closed by broker, ${stats.stalled} stalled, RSS ${memory ? Math.round(memory.rssMb) : '-'} MiB (peak ${Math.round(peakRssMb)}), probe max ${Math.round(maxProbeMs)} ms, longest stall ${Math.round(broker.reports.latest?.maxStallMs ?? NaN)} ms`,
    );
  }, 5000);

  const root = new Prng(options.seed);
  const connectionOptions = { host, port, seeds, mutators, window: options.window ?? 64, stats, trace, running };
  await Promise.all(Array.from({ length: options.connections }, (_, i) => runConnection(i, connectionOptions, root.fork())));
  clearInterval(progress);
  await prober;
  clearInterval(sampler);

  const rssLimitExceeded = stopReason?.startsWith('RSS') ?? false;
  if (rssLimitExceeded) await broker.stop(); // the machine comes first
  const elapsedSeconds = (performance.now() - started) / 1000;
  const final = broker.memory();
  if (final) peakRssMb = Math.max(peakRssMb, final.peakMb);
  const brokerExit = broker.exit() ?? (rssLimitExceeded ? 'killed at the RSS limit' : undefined);
  const failed = brokerExit !== undefined || probeFailures.length > 0;
  const reports = broker.reports;
  const peak = reports.atPeakRss;
  if (failed && options.traceFile) writeFileSync(options.traceFile, JSON.stringify({ seed: options.seed, stopReason, connections: traces }));
  return {
    seed: options.seed,
    seconds: Number(elapsedSeconds.toFixed(1)),
    warmUpMs: Math.round(warmUpMs),
    frames: stats.frames,
    framesPerSecond: Math.round(stats.frames / elapsedSeconds),
    responses: stats.responses,
    connectionsOpened: stats.connectionsOpened,
    closedByBroker: stats.closedByBroker,
    stalled: stats.stalled,
    connectFailures: stats.connectFailures,
    mutatorErrors: stats.mutatorErrors,
    firstMutatorError: stats.firstMutatorError,
    peakRssMb: Math.round(peakRssMb),
    finalRssMb: final ? Math.round(final.rssMb) : undefined,
    maxStallMs: reports.latest ? Math.round(reports.latest.maxStallMs) : undefined,
    memoryAtPeak: peak ? { rss: mib(peak.rss), heapUsed: mib(peak.heapUsed), heapTotal: mib(peak.heapTotal), external: mib(peak.external), arrayBuffers: mib(peak.arrayBuffers) } : undefined,
    memoryPeaks: peak ? { heapUsed: mib(reports.peaks.heapUsed), external: mib(reports.peaks.external), arrayBuffers: mib(reports.peaks.arrayBuffers) } : undefined,
    probes,
    probeFailures,
    maxProbeMs: Math.round(maxProbeMs),
    brokerExit,
    rssLimitExceeded,
    perApi: Object.fromEntries([...stats.perApi].sort((a, b) => a[0] - b[0])),
    perMutator: Object.fromEntries(stats.perMutator),
    rssTimeline,
  };
}
