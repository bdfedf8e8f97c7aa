/**
 * `npm run soak:crash -- --rounds 100 --seed 1 [--partitions 3] [--keep-data]`
 *
 * Runs the crash soak ({@link runCrashSoak}) and prints, per anomaly kind, how many were found
 * with a few examples. Exits 1 if there was any anomaly (the data dir is then kept for a look),
 * 2 on a bad command line.
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { killBrokers, tempDir } from '../../support/broker-harness.js';
import { ANOMALY_KINDS } from './checker.js';
import { killLibrdkafkaProducers } from './librdkafka-producer.js';
import { runCrashSoak, type CrashSoakReport } from './soak.js';

const USAGE = 'usage: npm run soak:crash -- [--rounds N] [--seed S] [--partitions P] [--rate R] [--keep-data]';

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

function printReport(report: CrashSoakReport, command: string): void {
  const acked = report.ackedKafkajs + report.ackedLibrdkafka;
  console.log('');
  console.log(`command: ${command}`);
  console.log(`rounds: ${report.rounds}, kill -9: ${report.kills}`);
  console.log(`acknowledged records checked: ${acked} (kafkajs ${report.ackedKafkajs}, librdkafka ${report.ackedLibrdkafka})`);
  console.log(`records read back after their round: ${report.storedRecords}; in the final re-read: ${report.finalStoredRecords}`);
  console.log(`acknowledged group commits checked: ${report.committedOffsetsChecked}`);
  console.log(`kafkajs sends that failed (not acknowledged): ${report.kafkajsFailedSends}`);
  for (const [error, count] of report.librdkafkaErrors) console.log(`librdkafka errors (not acknowledged): ${count} x ${error}`);
  console.log(`anomalies: ${report.anomalies.length}`);
  for (const kind of ANOMALY_KINDS) {
    const found = report.anomalies.filter((a) => a.kind === kind);
    console.log(`  ${kind}: ${found.length}`);
    for (const a of found.slice(0, 5)) console.log(`    round ${a.round}${a.final ? ' (final re-read)' : ''}: ${a.detail}`);
  }
  if (report.anomalies.length > 0 && report.brokerStderr.trim() !== '') console.log(`broker stderr (last lines):\n${report.brokerStderr}`);
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      options: {
        rounds: { type: 'string' },
        seed: { type: 'string' },
        partitions: { type: 'string' },
        rate: { type: 'string' },
        'keep-data': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    options = {
      rounds: positiveInteger(values.rounds, 'rounds', 10),
      seed: positiveInteger(values.seed, 'seed', 1),
      partitions: Math.max(1, positiveInteger(values.partitions, 'partitions', 3)),
      rate: positiveInteger(values.rate, 'rate', 1500),
      keepData: values['keep-data'],
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const command = `npm run soak:crash -- --rounds ${options.rounds} --seed ${options.seed} --partitions ${options.partitions} --rate ${options.rate}`;
  const dataDir = tempDir('streamwright-crash-soak-');
  console.log(`crash soak: ${options.rounds} rounds, seed ${options.seed}, ${options.partitions} partitions, data dir ${dataDir}`);
  const started = Date.now();
  try {
    const report = await runCrashSoak({
      rounds: options.rounds,
      seed: options.seed,
      partitions: options.partitions,
      librdkafkaRate: options.rate,
      dataDir,
      log: (line) => console.log(line),
    });
    printReport(report, command);
    console.log(`took ${Math.round((Date.now() - started) / 1000)} s`);
    if (report.anomalies.length > 0 || options.keepData) console.log(`data dir kept: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
    return report.anomalies.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(`the soak itself failed: ${(error as Error).stack ?? String(error)}\ndata dir kept: ${dataDir}`);
    return 1;
  } finally {
    await killBrokers();
  }
}

// Ctrl-C: no broker or producer process is left behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killLibrdkafkaProducers();
    void killBrokers().finally(() => process.exit(130));
  });
}

// Exit at once: a soak that failed half-way may leave client sockets and timers behind.
process.exit(await main());
