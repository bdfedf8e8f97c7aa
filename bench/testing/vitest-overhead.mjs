// Per-file cost of streamwright/vitest: N test files that each use the shared broker through
// the `kafka` fixture (one topic created and deleted, one group id) against N files that never
// touch Kafka, in a temp project that runs vitest as a user would.
//
//   npm run bench:vitest                  # build, then ~1 min
//   node bench/testing/vitest-overhead.mjs --files 10 --rounds 1
//
// Three runs per round, the median round counts:
//   plain   N files without Kafka, no global setup
//   setup   the same files with embeddedKafka() in the config (the broker's start and stop)
//   fixture N files using the fixture, with embeddedKafka()
// per-file overhead = (fixture - setup) / N: what a Kafka test file adds beyond the broker's
// one-time start. Wall-clock times of `vitest run`; vitest runs the files in parallel workers.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const files = option('files', 20);
const rounds = option('rounds', 3);

const project = mkdtempSync(join(tmpdir(), 'streamwright-vitest-bench-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(ROOT, join(project, 'node_modules', 'streamwright'));
symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vitest-bench', type: 'module', private: true }));

const config = (withKafka, dir) => `import { defineConfig } from 'vitest/config';
${withKafka ? "import { embeddedKafka } from 'streamwright/vitest/config';" : ''}
export default defineConfig({ test: { ${withKafka ? '...embeddedKafka(),' : ''} include: ['${dir}/*.test.ts'] } });
`;
writeFileSync(join(project, 'plain.config.ts'), config(false, 'plain'));
writeFileSync(join(project, 'setup.config.ts'), config(true, 'plain'));
writeFileSync(join(project, 'fixture.config.ts'), config(true, 'fixture'));
mkdirSync(join(project, 'plain'));
mkdirSync(join(project, 'fixture'));
for (let i = 0; i < files; i++) {
  writeFileSync(join(project, 'plain', `f${i}.test.ts`), `import { expect, test } from 'vitest';\ntest('no kafka', () => { expect(${i} + 1).toBe(${i + 1}); });\n`);
  writeFileSync(
    join(project, 'fixture', `f${i}.test.ts`),
    `import { expect } from 'vitest';\nimport { test } from 'streamwright/vitest';\ntest('a topic', async ({ kafka }) => { expect(await kafka.topic('t')).toMatch(/^t-/); expect(kafka.groupId()).toMatch(/^group-/); });\n`,
  );
}

function run(name) {
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', `${name}.config.ts`], { cwd: project, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`vitest run (${name}) failed:\n${result.stdout}\n${result.stderr}`);
  return ms;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { plain: [], setup: [], fixture: [] };
try {
  for (let round = 0; round < rounds; round++) for (const name of Object.keys(results)) results[name].push(run(name));
} finally {
  rmSync(project, { recursive: true, force: true });
}
const [plain, setup, fixture] = [median(results.plain), median(results.setup), median(results.fixture)];
console.log(`vitest, ${files} files per run, median of ${rounds} rounds (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
console.log(`  files without Kafka:                     ${plain.toFixed(0)} ms`);
console.log(`  the same with the global setup's broker: ${setup.toFixed(0)} ms  (broker start and stop: ${(setup - plain).toFixed(0)} ms)`);
console.log(`  files using the kafka fixture:           ${fixture.toFixed(0)} ms`);
console.log(`  per-file overhead of the fixture:        ${((fixture - setup) / files).toFixed(1)} ms`);
