// Per-file cost of streamwright/vitest: N test files that each use the shared broker through
// the `kafka` fixture (one topic created and deleted, one group id) against N files that never
// touch Kafka, in a temp project that runs vitest as a user would.
//
//   npm run bench:vitest                  # build, then ~2-5 min
//   node bench/testing/vitest-overhead.mjs --files 10 --rounds 1
//
// Per file, vitest's own diagnostics (a reporter in the temp project) give the time it spent on
// the file: preparing the worker, importing the file (streamwright/vitest, kafkajs), and running
// its test with the fixture's set-up and tear-down. The overhead is the median of the Kafka files
// minus the median of the others. The wall-clock times of both runs are shown too; the Kafka run
// also includes the global setup's broker start and stop, once per run.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const files = option('files', 10);
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
writeFileSync(join(project, 'fixture.config.ts'), config(true, 'fixture'));
// Each file's time as vitest measured it: worker preparation, environment, import, setup files, tests and hooks.
writeFileSync(
  join(project, 'timing-reporter.mjs'),
  `import { writeFileSync } from 'node:fs';
export default class TimingReporter {
  onTestRunEnd(modules) {
    const perFile = modules.map((m) => { const d = m.diagnostic(); return { total: d.prepareDuration + d.environmentSetupDuration + d.collectDuration + d.setupDuration + d.duration, imports: d.collectDuration, tests: d.duration }; });
    writeFileSync(process.env.TIMING_OUT, JSON.stringify(perFile));
  }
}
`,
);
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
  const timing = join(project, `${name}-timing.json`);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', `${name}.config.ts`, '--reporter=./timing-reporter.mjs'], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, TIMING_OUT: timing },
  });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`vitest run (${name}) failed:\n${result.stdout}\n${result.stderr}`);
  return { wall, perFile: JSON.parse(readFileSync(timing, 'utf8')) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { plain: { wall: [], perFile: [] }, fixture: { wall: [], perFile: [] } };
try {
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(results)) {
      const { wall, perFile } = run(name);
      results[name].wall.push(wall);
      results[name].perFile.push(...perFile);
    }
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
const part = (name, key) => median(results[name].perFile.map((f) => f[key]));
const plainFile = part('plain', 'total');
const kafkaFile = part('fixture', 'total');
console.log(`vitest, ${files} files per run, ${rounds} rounds (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
console.log(`  a file without Kafka:               median ${plainFile.toFixed(1)} ms per file (run: ${median(results.plain.wall).toFixed(0)} ms wall)`);
console.log(`  a file using the kafka fixture:     median ${kafkaFile.toFixed(1)} ms per file (run: ${median(results.fixture.wall).toFixed(0)} ms wall, with the broker's start)`);
console.log(`  per-file overhead of the fixture:   ${(kafkaFile - plainFile).toFixed(1)} ms`);
console.log(`    of which importing the file:      ${(part('fixture', 'imports') - part('plain', 'imports')).toFixed(1)} ms (streamwright/vitest, kafkajs)`);
console.log(`    of which the test with its fixture: ${(part('fixture', 'tests') - part('plain', 'tests')).toFixed(1)} ms (admin connection, topic created and deleted, group deleted)`);
