import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from '../framework/support/logger.js';

/** Streamwright's logging through Nest's Logger (context `Streamwright`), so it follows the app's logger settings. */
export function nestLogger(context = 'Streamwright'): Logger {
  const logger = new NestLogger(context);
  const stackOf = (error: unknown) => (error instanceof Error ? error.stack : error === undefined ? undefined : String(error));
  return {
    debug: (message) => logger.debug(message),
    info: (message) => logger.log(message),
    warn: (message, error) => logger.warn(error === undefined ? message : `${message}: ${stackOf(error)}`),
    error: (message, error) => logger.error(message, stackOf(error)),
  };
}
