/**
 * The README's sample, as `npm start` runs it: compiled by tsc (which emits the decorator
 * metadata the framework reads) and run with node against the package's own dist/.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

test('samples/orders runs end to end on the embedded broker and exits 0', async () => {
  // dist/ is built by test/global-setup.ts; the sample imports it as `streamwright`.
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.samples.json')], { cwd: ROOT });
  const { stdout } = await run(process.execPath, [join(ROOT, 'dist-samples', 'orders', 'main.js')], { cwd: ROOT, timeout: 60_000 });
  for (const id of ['o-1', 'o-2', 'o-3', 'o-4', 'o-5']) {
    expect(stdout).toContain(`[order-service] order ${id}`);
    expect(stdout).toContain(`invoice for order ${id}`);
  }
  expect(stdout).toContain('All 5 orders invoiced, 27.50 in total.');
  expect(stdout).toContain('Quote for 2 × coffee: 15.80');
  expect(stdout).toContain('Exactly-once invoicing: 5 committed invoices for 5 orders (1 aborted attempt rolled back).');
  expect(stdout).toContain('Stopped cleanly.');
}, 90_000);
