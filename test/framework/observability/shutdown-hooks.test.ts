/** installShutdownHooks' exit codes, driven by emitted signals and a stop() the test controls. */
import { expect, test } from 'vitest';
import { installShutdownHooks } from '../../../src/framework/health/shutdown-hooks.js';
import { testLogger } from '../support/framework-harness.js';

function hooks(stop: () => Promise<void>, shutdownTimeout = 5_000) {
  const codes: number[] = [];
  const remove = installShutdownHooks(stop, testLogger, { shutdownTimeout, exit: (code) => codes.push(code) });
  return { codes, remove };
}

test('the first SIGTERM stops and exits 0; a second signal exits at once with 128 + its number', async () => {
  let finish!: () => void;
  let stops = 0;
  const { codes, remove } = hooks(() => {
    stops++;
    return new Promise<void>((resolve) => (finish = resolve));
  });
  try {
    process.emit('SIGTERM');
    expect(stops).toBe(1);
    expect(codes).toEqual([]);
    process.emit('SIGINT');
    expect(codes).toEqual([130]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(codes).toEqual([130, 0]);
    expect(stops).toBe(1);
  } finally {
    remove();
  }
});

test('a stop that fails or outlasts shutdownTimeout exits 1', async () => {
  const failing = hooks(() => Promise.reject(new Error('commit failed')));
  try {
    process.emit('SIGTERM');
    await new Promise((resolve) => setImmediate(resolve));
    expect(failing.codes).toEqual([1]);
  } finally {
    failing.remove();
  }
  const hanging = hooks(() => new Promise<void>(() => undefined), 20);
  try {
    process.emit('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hanging.codes).toEqual([1]);
  } finally {
    hanging.remove();
  }
});
