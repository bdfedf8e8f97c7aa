import type { Logger } from '../support/logger.js';

export interface ShutdownHookOptions {
  /** How long the first signal waits for the application to stop (default 30000 ms). */
  shutdownTimeout?: number;
  /** Default: SIGTERM and SIGINT. */
  signals?: NodeJS.Signals[];
  /** Default: process.exit. */
  exit?: (code: number) => void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 };

/**
 * Spring's `registerShutdownHook` for a process: the first signal stops the application
 * (stop fetching, finish the records in hand, commit, leave the groups, flush and close
 * the producers) and exits 0, or 1 if that failed or took longer than `shutdownTimeout`;
 * a second signal exits at once with 128 + the signal number. Returns a function that
 * removes the hooks.
 */
export function installShutdownHooks(stop: () => Promise<void>, logger: Logger, options: ShutdownHookOptions = {}): () => void {
  const timeout = options.shutdownTimeout ?? 30_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting without waiting`);
      exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
      return;
    }
    stopping = true;
    logger.info(`${signal}: stopping (up to ${timeout} ms)`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeout)));
    Promise.race([stop().then(() => 'stopped' as const), timedOut]).then(
      (outcome) => {
        clearTimeout(timer);
        if (outcome === 'timeout') logger.error(`Did not stop within ${timeout} ms; exiting`);
        exit(outcome === 'stopped' ? 0 : 1);
      },
      (error: unknown) => {
        clearTimeout(timer);
        logger.error('Stopping failed', error);
        exit(1);
      },
    );
  };
  const handlers = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
