// Wall time of the samples' tests (test/framework/orders-sample.test.ts: samples/orders compiled
// and run end to end), as `vitest run` on that file takes it, after `npm run build`.
//
//   npm run bench:samples                 # build, then the vitest run, 3 times
//   node bench/testing/samples-time.mjs --rounds 1
//
// dist/ is built once before the runs (the test suite's global setup would rebuild it every
// time: STREAMWRIGHT_DIST_BUILT tells it not to). The first round also compiles the samples;
// the next ones find them up to date (tsc build mode), as a second `npm test` does.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { childrenCpuMs } from './child-cpu.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const argv = process.argv.slice(2);
const i = argv.indexOf('--rounds');
const rounds = i >= 0 ? Number(argv[i + 1]) : 3;

const walls = [];
const cpuTimes = [];
for (let round = 0; round < rounds; round++) {
  const started = performance.now();
  const cpuBefore = childrenCpuMs();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/framework/orders-sample.test.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, STREAMWRIGHT_DIST_BUILT: '1' },
  });
  walls.push(performance.now() - started);
  const cpuAfter = childrenCpuMs();
  if (cpuBefore !== null && cpuAfter !== null) cpuTimes.push(cpuAfter - cpuBefore);
  if (result.status !== 0) throw new Error(`the samples' tests failed:\n${result.stdout}\n${result.stderr}`);
}
console.log(`samples' tests (vitest run test/framework/orders-sample.test.ts), ${rounds} rounds (${cpus().length} cores, load ${loadavg()[0].toFixed(1)})`);
console.log(`  wall time per run: ${walls.map((w) => `${(w / 1000).toFixed(1)} s`).join(', ')}`);
// CPU time of vitest, its worker and the sample's process: far less disturbed than wall time by other jobs.
if (cpuTimes.length > 0) console.log(`  CPU time per run:  ${cpuTimes.map((c) => `${(c / 1000).toFixed(1)} s`).join(', ')}`);
