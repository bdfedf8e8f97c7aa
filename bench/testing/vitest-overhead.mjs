// Per-file cost of streamwright/vitest: what a test file using the shared broker through the
// `kafka` fixture (one topic created and deleted, one group id) adds to a vitest run, against a
// file that never touches Kafka.
//
//   npm run bench:vitest                  # build, then 20 files × 3 rounds, ~1-3 min
//   node bench/testing/vitest-overhead.mjs --files 20 --rounds 3
//
// A temp project runs vitest as a user would (default pool and isolation; `--no-isolate` runs
// it with `isolate: false`), with the global setup's broker in every run, so that only the files
// differ. streamwright sits in its node_modules as `npm install` puts it (a directory with
// package.json and dist/, not a link to this checkout), so that vitest loads it as a dependency.
// `--linked` makes it a symlink instead, as `npm link` or a workspace would. Each round runs, in one vitest
// run each: N files without Kafka, then N files that use the fixture. The overhead per file is
// (wall time of the fixture run − wall time of the plain run) / N: what the fixture's files add
// to the run as a whole, with vitest's start-up and the broker's start counted once in both.
// Vitest's own per-file diagnostics (a reporter in the temp project) split a file's time into
// importing it and running its test with the fixture's set-up and tear-down. On Linux the same
// difference is also given in CPU time (vitest, its workers and the broker), which a busy machine
// disturbs far less than wall time.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childrenCpuMs } from './child-cpu.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const files = option('files', 20);
const rounds = option('rounds', 3);
const isolate = !argv.includes('--no-isolate');
const linked = argv.includes('--linked');

const project = mkdtempSync(join(tmpdir(), 'streamwright-vitest-bench-'));
mkdirSync(join(project, 'node_modules'));
if (linked) {
  symlinkSync(ROOT, join(project, 'node_modules', 'streamwright'));
} else {
  const installed = join(project, 'node_modules', 'streamwright');
  mkdirSync(installed);
  copyFileSync(join(ROOT, 'package.json'), join(installed, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(installed, 'dist'), { recursive: true });
  // Its dependencies, as npm would have installed them next to it.
  symlinkSync(join(ROOT, 'node_modules'), join(installed, 'node_modules'));
}
symlinkSync(join(ROOT, 'node_modules', 'vitest'), join(project, 'node_modules', 'vitest'));
writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vitest-bench', type: 'module', private: true }));

// Both runs start the broker: the difference is the files alone.
const config = (dir) => `import { defineConfig } from 'vitest/config';
import { embeddedKafka } from 'streamwright/vitest/config';
export default defineConfig({ test: { ...embeddedKafka(), include: ['${dir}/*.test.ts'], isolate: ${isolate} } });
`;
writeFileSync(join(project, 'plain.config.ts'), config('plain'));
writeFileSync(join(project, 'fixture.config.ts'), config('fixture'));
// Each file's time as vitest measured it: importing the file, and its tests with their fixtures and hooks.
writeFileSync(
  join(project, 'timing-reporter.mjs'),
  `import { writeFileSync } from 'node:fs';
export default class TimingReporter {
  onTestRunEnd(modules) {
    const perFile = modules.map((m) => { const d = m.diagnostic(); return { imports: d.collectDuration, tests: d.duration }; });
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
  const cpuBefore = childrenCpuMs();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', `${name}.config.ts`, '--reporter=./timing-reporter.mjs'], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, TIMING_OUT: timing },
  });
  const wall = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  if (result.status !== 0) throw new Error(`vitest run (${name}) failed:\n${result.stdout}\n${result.stderr}`);
  return { wall, cpu, perFile: JSON.parse(readFileSync(timing, 'utf8')) };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = { plain: { wall: [], cpu: [], perFile: [] }, fixture: { wall: [], cpu: [], perFile: [] } };
const perFileOverhead = [];
const perFileCpu = [];
try {
  for (let round = 0; round < rounds; round++) {
    const walls = {};
    const cpuTimes = {};
    for (const name of Object.keys(results)) {
      const { wall, cpu, perFile } = run(name);
      walls[name] = wall;
      cpuTimes[name] = cpu;
      results[name].wall.push(wall);
      results[name].cpu.push(cpu);
      results[name].perFile.push(...perFile);
    }
    perFileOverhead.push((walls.fixture - walls.plain) / files);
    if (cpuTimes.plain !== null) perFileCpu.push((cpuTimes.fixture - cpuTimes.plain) / files);
  }
} finally {
  rmSync(project, { recursive: true, force: true });
}
const part = (name, key) => median(results[name].perFile.map((f) => f[key]));
console.log(`vitest, ${files} files per run, ${rounds} rounds, isolate: ${isolate}, ${linked ? 'linked' : 'installed'} package (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
console.log(`  run of ${files} files without Kafka:     median ${median(results.plain.wall).toFixed(0)} ms wall (with the broker's start)`);
console.log(`  run of ${files} files with the fixture:  median ${median(results.fixture.wall).toFixed(0)} ms wall (with the broker's start)`);
console.log(`  overhead per file:                 median ${median(perFileOverhead).toFixed(1)} ms (rounds: ${perFileOverhead.map((v) => v.toFixed(0)).join(', ')})`);
if (perFileCpu.length > 0) {
  // CPU time depends far less than wall time on what else the machine runs.
  console.log(`  CPU per run (all processes):       ${median(results.plain.cpu).toFixed(0)} ms without Kafka, ${median(results.fixture.cpu).toFixed(0)} ms with the fixture`);
  console.log(`  CPU overhead per file:             median ${median(perFileCpu).toFixed(1)} ms (rounds: ${perFileCpu.map((v) => v.toFixed(0)).join(', ')})`);
}
console.log(`  per file, as vitest measured it (fixture file − plain file, medians):`);
console.log(`    importing the file:              ${(part('fixture', 'imports') - part('plain', 'imports')).toFixed(1)} ms`);
console.log(`    the test with its fixture:       ${(part('fixture', 'tests') - part('plain', 'tests')).toFixed(1)} ms (client loaded, topic created; deletion sent)`);
