/**
 * `npm run fuzz -- --seconds N [--frames N] [--seed S] [--connections C] [--broker cli|in-process]
 *  [--apis 19,0] [--mutators fieldBoundary,bitFlip] [--rss-limit-mb M] [--trace FILE]`
 *
 * Fuzzes a fresh broker with mutated real-client frames, then checks that kafkajs can still
 * produce and consume. Prints a progress line every 5 s and a JSON summary; exits 1 if the
 * broker crashed, stopped answering, went over the RSS limit, or failed the client check.
 */
import { parseArgs } from 'node:util';
import { startCliBroker, startInProcessBroker } from './broker-under-test.js';
import { produceAndConsume } from './client-check.js';
import { MUTATOR_NAMES, type MutatorName } from './mutators.js';
import { runFuzz } from './runner.js';

const USAGE = 'usage: npm run fuzz -- --seconds N [--frames N] [--seed S] [--connections C] [--broker cli|in-process] [--apis K,K] [--mutators M,M] [--rss-limit-mb M] [--trace FILE]';

function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      frames: { type: 'string' },
      seed: { type: 'string' },
      connections: { type: 'string' },
      broker: { type: 'string' },
      apis: { type: 'string' },
      mutators: { type: 'string' },
      'rss-limit-mb': { type: 'string' },
      trace: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(`${USAGE}\nmutators: ${MUTATOR_NAMES.join(', ')}`);
    return 0;
  }
  const mutators = values.mutators?.split(',') as MutatorName[] | undefined;
  const unknown = mutators?.filter((m) => !MUTATOR_NAMES.includes(m));
  if (unknown?.length) throw new Error(`unknown mutator(s) ${unknown.join(', ')}; known: ${MUTATOR_NAMES.join(', ')}`);
  const brokerKind = values.broker ?? 'cli';
  if (brokerKind !== 'cli' && brokerKind !== 'in-process') throw new Error(`--broker must be cli or in-process, got ${brokerKind}`);
  const seed = numberFlag(values.seed, 'seed', Date.now() % 0x7fffffff);
  const maxFrames = values.frames === undefined ? undefined : numberFlag(values.frames, 'frames', 0);
  const options = {
    // With only --frames, run until they are sent.
    seconds: numberFlag(values.seconds, 'seconds', maxFrames === undefined ? 60 : 24 * 3600),
    maxFrames,
    seed,
    connections: numberFlag(values.connections, 'connections', 8),
    apiKeys: values.apis?.split(',').map(Number),
    mutators,
    rssLimitMb: numberFlag(values['rss-limit-mb'], 'rss-limit-mb', 2048),
    traceFile: values.trace,
    progress: (line: string) => console.log(line),
  };

  const broker = brokerKind === 'cli' ? await startCliBroker() : await startInProcessBroker();
  console.log(`fuzzing ${broker.kind} broker ${broker.address} (pid ${broker.pid}), seed ${seed}, ${options.connections} connections, ${options.maxFrames ?? '∞'} frames / ${options.seconds} s`);
  let clientCheck = 'not run (the broker did not survive)';
  try {
    const result = await runFuzz(broker, options);
    if (result.brokerExit === undefined) {
      try {
        const read = await produceAndConsume(broker.address, `fuzz-after-${seed}`);
        clientCheck = `ok (${read.length} records produced and consumed)`;
      } catch (error) {
        clientCheck = `FAILED: ${(error as Error).message}`;
      }
    }
    const timeline = result.rssTimeline.map(([ms, mb]) => `${Math.round(ms / 1000)}s:${mb}`).join(' ');
    console.log(JSON.stringify({ ...result, rssTimeline: timeline, clientCheck }, null, 2));
    if (result.brokerExit) console.log(`broker ${result.brokerExit}; stderr tail:\n${broker.stderrTail().slice(-4000)}`);
    const ok = result.brokerExit === undefined && result.probeFailures.length === 0 && clientCheck.startsWith('ok');
    console.log(`${ok ? 'PASS' : 'FAIL'}: ${result.frames} frames in ${result.seconds} s (${result.framesPerSecond}/s), peak RSS ${result.peakRssMb} MiB, broker ${result.brokerExit ?? 'alive'}, client check ${clientCheck}`);
    return ok ? 0 : 1;
  } finally {
    await broker.stop();
  }
}

// Exit explicitly: a failed run may leave sockets or client retries behind.
try {
  process.exit(await main());
} catch (error) {
  console.error((error as Error).message);
  console.error(USAGE);
  process.exit(2);
}
