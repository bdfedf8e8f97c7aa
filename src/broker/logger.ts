/** The broker's logging seam: tests keep it quiet, the CLI prints to stderr. */
export interface BrokerLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

export function consoleLogger(level: LogLevel = 'warn', prefix = 'streamwright'): BrokerLogger {
  const at = ORDER[level];
  const log = (l: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (ORDER[l] >= at) process.stderr.write(`[${new Date().toISOString()}] ${l.toUpperCase()} ${prefix}: ${message}\n`);
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
