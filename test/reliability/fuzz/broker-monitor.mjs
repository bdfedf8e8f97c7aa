/**
 * Loaded into the fuzzed CLI broker with `node --import` (plain JavaScript, so the same file
 * serves the vitest run and the compiled one): reports to the fuzzer, over the IPC channel,
 * the broker's longest event-loop stall (perf_hooks.monitorEventLoopDelay) and its memory by
 * kind (process.memoryUsage), so that a spike in RSS can be told apart as JavaScript heap,
 * Buffers (arrayBuffers) or native memory (the rest).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const REPORT_EVERY_MS = 100;

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const timer = setInterval(() => {
    const memory = process.memoryUsage();
    process.send?.({
      kind: 'broker-monitor',
      // The histogram's max is the longest gap between two of its 10 ms ticks, less the tick.
      maxStallMs: delay.max / 1e6,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      heapTotal: memory.heapTotal,
      external: memory.external,
      arrayBuffers: memory.arrayBuffers,
    });
  }, REPORT_EVERY_MS);
  timer.unref();
  process.on('disconnect', () => clearInterval(timer));
  // The fuzzer starts counting once the broker is warmed up (its internal topics created).
  process.on('message', (message) => {
    if (message === 'reset-stall') delay.reset();
  });
  // After the listener (which refs the channel): the channel must not keep the broker alive.
  process.channel?.unref();
}
