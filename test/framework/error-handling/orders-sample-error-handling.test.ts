/**
 * The error-handling part of `npm start` (samples/orders): a payment retried and then
 * dead-lettered with its headers printed, and a shipment going through the retry-topic chain.
 * Compiled into its own directory so that it can run next to the sample's main test.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..', '..');
const OUT = join(ROOT, 'dist-samples', 'error-handling-test');

test('samples/orders shows a record retried then dead-lettered with its headers, and a retry-topic chain', async () => {
  await rm(OUT, { recursive: true, force: true });
  await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.samples.json'), '--outDir', OUT], { cwd: ROOT });
  const started = Date.now();
  const { stdout } = await run(process.execPath, [join(OUT, 'orders', 'main.js')], { cwd: ROOT, timeout: 60_000 });
  expect(Date.now() - started).toBeLessThan(30_000);

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
  await rm(OUT, { recursive: true, force: true });
}, 90_000);
