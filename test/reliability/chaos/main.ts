/**
 * `npm run soak:chaos -- --minutes N --seed S`: the chaos soak (soak.ts) for N minutes of
 * faults, then the checker's verdict. Exits 1 when the checker found an anomaly other than
 * kafkajs' known client loss.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { unexplained } from './checker.js';
import { runChaosSoak } from './soak.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string' }, history: { type: 'string' } } });
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed);
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run soak:chaos -- --minutes N [--seed S] [--history FILE.json]');
  process.exit(2);
}

console.log(`chaos soak: ${minutes} min of faults, seed ${seed}, started ${new Date().toISOString()}`);
const result = await runChaosSoak({ durationMs: minutes * 60_000, seed, log: (line) => console.log(line) });
const { report } = result;
console.log(`\nfinished ${new Date().toISOString()}: ${(result.chaosMs / 1000).toFixed(0)} s of faults, ${(result.totalMs / 1000).toFixed(0)} s in all`);
console.log(`nemesis: ${result.kills} kills, ${result.isolations} isolations; ${result.leaderChanges} leader changes observed`);
console.log(`acknowledged writes checked: kafkajs ${report.acknowledgedWrites.kafkajs}, librdkafka ${report.acknowledgedWrites.librdkafka}, framework ${report.acknowledgedWrites.framework}`);
console.log(`indeterminate writes: ${report.indeterminateWrites}; aborted on purpose: ${report.abortedWrites}`);
console.log(`reads checked: ${report.reads}; records in the log: ${report.logRecords}; copied: ${JSON.stringify(report.copied)}`);
if (result.shortfalls.length > 0) console.log(`the librdkafka final reader stopped short of the end of: ${result.shortfalls.join('; ')}`);
console.log('anomalies:');
for (const [category, count] of Object.entries(result.anomalies)) console.log(`  ${category}: ${count}`);
if (values.history) writeFileSync(values.history, JSON.stringify({ history: result.history, nemesis: result.nemesis, anomalies: report.anomalies }));
// Every anomaly that needs explaining, and a few of kafkajs' known loss.
const shown = [...unexplained(report), ...report.anomalies.filter((a) => !unexplained(report).includes(a)).slice(0, 10)];
for (const anomaly of shown) console.log(`  - [${anomaly.category}] ${anomaly.client} ${anomaly.topic}${anomaly.partition === undefined ? '' : `-${anomaly.partition}`} ${anomaly.value ?? ''}: ${anomaly.detail}`);
const bad = [...unexplained(report), ...result.shortfalls];
console.log(bad.length === 0 ? 'verdict: clean' : `verdict: ${bad.length} anomalies`);
process.exit(bad.length === 0 ? 0 : 1);
