// Cold start: what loading the package costs a fresh Node process. Each round starts one
// process per case, in a rotating order (so that drift in the machine's load hits every case
// alike): `node -e 0` as the baseline, then processes that only load an entry point of the built
// package (dist/) and exit. Printed per case, medians over the rounds:
//   - wall: the process from spawn to exit, as a shell sees it, and its ratio to the baseline's;
//   - load: the import (or require) itself, timed inside the process with performance.now();
//   - CPU: the process's user + system CPU time (process.cpuUsage() at exit).
//
//   npm run bench:cold-start                      # build, then 20 rounds
//   node bench/broker/cold-start.mjs --rounds=40   # dist/ already built
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const roundsArg = process.argv.find((arg) => arg.startsWith('--rounds='));
const ROUNDS = roundsArg ? Number(roundsArg.split('=')[1]) : 20;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error('usage: node bench/broker/cold-start.mjs [--rounds=N]');
  process.exit(2);
}

/** Loads `entry` (a path under dist/) with import() or require() and prints the timings as JSON. */
function loader(kind, entry) {
  const target = kind === 'import' ? JSON.stringify(pathToFileURL(`${root}dist/${entry}`).href) : JSON.stringify(`${root}dist/${entry}`);
  const load = kind === 'import' ? `await import(${target})` : `require(${target})`;
  const report = 'const cpu = process.cpuUsage(); console.log(JSON.stringify({ loadMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 }));';
  const code = `const t0 = performance.now(); ${load}; ${report}`;
  return kind === 'import' ? ['--input-type=module', '-e', code] : ['--input-type=commonjs', '-e', code];
}

/** @type {{ label: string, args: string[] }[]} */
const CASES = [
  { label: 'node -e 0 (baseline)', args: ['-e', 'const cpu = process.cpuUsage(); console.log(JSON.stringify({ loadMs: 0, cpuMs: (cpu.user + cpu.system) / 1000 }))'] },
  { label: "import('streamwright/broker')", args: loader('import', 'broker/index.js') },
  { label: "require('streamwright/broker')", args: loader('require', 'broker/index.js') },
  { label: "import('streamwright/protocol')", args: loader('import', 'protocol/index.js') },
  { label: "import('streamwright') (framework)", args: loader('import', 'index.js') },
];

/** One fresh process: wall time from spawn to exit, and what it reported. */
function runOnce(args) {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
  return { wallMs, .../** @type {{ loadMs: number, cpuMs: number }} */ (JSON.parse(result.stdout.trim()) ) };
}

/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

const loadAtStart = loadavg()[0];
for (const { args } of CASES) runOnce(args); // warm-up: the file cache
/** @type {{ wallMs: number, loadMs: number, cpuMs: number }[][]} */
const runs = CASES.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < CASES.length; i++) {
    const index = (round + i) % CASES.length;
    runs[index].push(runOnce(CASES[index].args));
  }
}

const baselineWall = median(runs[0].map((r) => r.wallMs));
const baselineCpu = median(runs[0].map((r) => r.cpuMs));
const ms = (value) => value.toFixed(1);
console.log(`node ${process.version}, ${cpus().length} CPUs, ${ROUNDS} rounds, medians; load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`);
console.log('| process | wall ms | wall / baseline | wall − baseline ms | load ms (in process) | CPU ms | CPU − baseline ms |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
CASES.forEach(({ label }, index) => {
  const wall = median(runs[index].map((r) => r.wallMs));
  const cpu = median(runs[index].map((r) => r.cpuMs));
  const load = index === 0 ? '—' : ms(median(runs[index].map((r) => r.loadMs)));
  console.log(`| ${label} | ${ms(wall)} | ${(wall / baselineWall).toFixed(2)}× | ${index === 0 ? '—' : ms(wall - baselineWall)} | ${load} | ${ms(cpu)} | ${index === 0 ? '—' : ms(cpu - baselineCpu)} |`);
});
