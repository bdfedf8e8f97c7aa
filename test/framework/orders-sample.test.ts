/**
 * The README's sample, as `npm start` runs it: compiled by tsc (which emits the decorator
 * metadata the framework reads) and run with node against the package's own dist/. It runs
 * once; each test checks one part of its output: the orders end to end, and the error handling
 * (a payment retried then dead-lettered with its headers printed, a shipment going through the
 * retry-topic chain).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let stdout = '';

/**
 * Whether the compiled samples are newer than every sample source and tsconfig: tsc's build mode
 * would find nothing to do, after spending a second loading TypeScript to find out.
 */
function samplesCompiled(): boolean {
  const buildInfo = join(ROOT, 'dist-samples', '.tsbuildinfo');
  if (!existsSync(buildInfo)) return false;
  const built = statSync(buildInfo).mtimeMs;
  const sources = readdirSync(join(ROOT, 'samples'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return [...sources, join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.samples.json')].every((file) => statSync(file).mtimeMs < built);
}

beforeAll(async () => {
  // dist/ is built by test/global-setup.ts; the sample imports it as `streamwright`. Build mode
  // compiles only what changed since the last build.
  if (!samplesCompiled()) await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', join(ROOT, 'tsconfig.samples.json')], { cwd: ROOT });
  ({ stdout } = await run(process.execPath, [join(ROOT, 'dist-samples', 'orders', 'main.js')], { cwd: ROOT, timeout: 60_000 }));
}, 90_000);

test('samples/orders runs end to end on the embedded broker and exits 0', () => {
  for (const id of ['o-1', 'o-2', 'o-3', 'o-4', 'o-5']) {
    expect(stdout).toContain(`[order-service] order ${id}`);
    expect(stdout).toContain(`invoice for order ${id}`);
  }
  expect(stdout).toContain('All 5 orders invoiced, 27.50 in total.');
  expect(stdout).toContain('Quote for 2 × coffee: 15.80');
  expect(stdout).toContain('Exactly-once invoicing: 5 committed invoices for 5 orders (1 aborted attempt rolled back).');
  expect(stdout).toContain('Stopped cleanly.');
});

test('samples/orders shows a record retried then dead-lettered with its headers, and a retry-topic chain', () => {
  const lines = stdout.split('\n');
  const declined = lines.filter((l) => l.includes('o-3: card declined for carol'));
  expect(declined.map((l) => l.trim())).toEqual([1, 2, 3].map((n) => `[payments]      o-3: card declined for carol (delivery ${n})`));
  expect(stdout).toContain('payments-dlt received o-3');
  expect(stdout).toContain('kafka_dlt-original-topic: payments');
  expect(stdout).toMatch(/kafka_dlt-original-offset: \d+/);
  expect(stdout).toContain('kafka_dlt-original-consumer-group: payments');
  expect(stdout).toContain('kafka_dlt-exception-cause-fqcn: CardDeclinedError');
  for (const id of ['o-1', 'o-2', 'o-4', 'o-5']) expect(stdout).toMatch(new RegExp(`\\[payments\\] +${id}: charged`));

  expect(stdout).toContain('o-1 to alice: carrier timed out (attempt 1 on shipments)');
  expect(stdout).toContain('o-1 to alice: booked (attempt 2 on shipments-retry-250)');
  expect(stdout).toContain('o-5 to dave: no carrier serves the address (attempt 3 on shipments-retry-500)');
  expect(stdout).toContain('[shipping-dlt]  o-5 to dave: undeliverable after 3 attempts');
  expect(stdout).toContain('Payments: 4 charged, 1 dead-lettered. Shipments: 4 booked, 1 dead-lettered.');
  expect(stdout).toContain('Stopped cleanly.');
});
