// `streamwright/vitest/config`: the vitest config entries that start one embedded broker for
// the whole test run.
import { fileURLToPath } from 'node:url';
import { OPTIONS_KEY, type EmbeddedKafkaVitestOptions } from './options.js';

export type { EmbeddedKafkaVitestOptions } from './options.js';

/** The global setup module, for a config that lists its global setups itself. */
export const globalSetupPath: string = fileURLToPath(new URL('./global-setup.js', import.meta.url));

/**
 * `test: { ...embeddedKafka({ brokers: 3 }) }` in vitest.config.ts: the global setup that starts
 * the broker, and its options. Spread it before your own `globalSetup`/`provide`, or merge them.
 */
export function embeddedKafka(options: EmbeddedKafkaVitestOptions = {}): { globalSetup: string[]; provide: { [OPTIONS_KEY]: EmbeddedKafkaVitestOptions } } {
  return { globalSetup: [globalSetupPath], provide: { [OPTIONS_KEY]: options } };
}
