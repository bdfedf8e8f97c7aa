/** The framework's logging seam: the application passes one in, tests keep it quiet. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string, error?: unknown): void;
  error(message: string, error?: unknown): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/** Writes to stderr, one line per message (plus the error's stack when given). */
export function consoleLogger(level: LogLevel = 'info', prefix = 'streamwright'): Logger {
  const at = ORDER[level] ?? ORDER.info;
  const write = (l: Exclude<LogLevel, 'silent'>) => (message: string, error?: unknown) => {
    if (ORDER[l] < at) return;
    const suffix = error === undefined ? '' : `\n${describe(error)}`;
    process.stderr.write(`[${new Date().toISOString()}] ${l.toUpperCase()} ${prefix}: ${message}${suffix}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let fallback: Logger | undefined;

/**
 * The logger used by components created without one: console at the level in
 * `STREAMWRIGHT_LOG_LEVEL` (default `info`).
 */
export function defaultLogger(): Logger {
  fallback ??= consoleLogger((process.env.STREAMWRIGHT_LOG_LEVEL as LogLevel | undefined) ?? 'info');
  return fallback;
}

export function setDefaultLogger(logger: Logger): void {
  fallback = logger;
}
