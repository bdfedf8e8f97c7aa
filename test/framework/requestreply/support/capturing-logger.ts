import type { Logger } from '../../../../src/framework/support/logger.js';
import { testLogger } from '../../support/framework-harness.js';

/** A logger that keeps every line (and forwards to the test logger), so tests can check what was logged. */
export class CapturingLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warn' | 'error'; message: string }[] = [];

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
    testLogger.debug(message);
  }

  info(message: string): void {
    this.lines.push({ level: 'info', message });
    testLogger.info(message);
  }

  warn(message: string, error?: unknown): void {
    this.lines.push({ level: 'warn', message });
    testLogger.warn(message, error);
  }

  error(message: string, error?: unknown): void {
    this.lines.push({ level: 'error', message });
    testLogger.error(message, error);
  }

  matching(level: 'debug' | 'info' | 'warn' | 'error', pattern: RegExp): string[] {
    return this.lines.filter((line) => line.level === level && pattern.test(line.message)).map((line) => line.message);
  }
}
