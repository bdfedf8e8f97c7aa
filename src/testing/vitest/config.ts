// `streamwright/vitest/config`: the vitest config entries that start one embedded broker for
// the whole test run.
import { fileURLToPath } from 'node:url';
import { OPTIONS_KEY, type EmbeddedKafkaVitestOptions } from './options.js';

export type { EmbeddedKafkaVitestOptions } from './options.js';

/** The global setup module, for a config that lists its global setups itself. */
export const globalSetupPath: string = fileURLToPath(new URL('./global-setup.js', import.meta.url));

/**
 * This package's compiled modules, for vitest's `server.deps.external`: Node loads them itself, as
 * it does any package found under node_modules. A linked install (npm link, a workspace, a `file:`
 * dependency) resolves outside node_modules, and vitest would otherwise run every module the
 * fixture loads through its transform pipeline again in each test file. Empty when this file runs
 * from the TypeScript sources (the project's own tests), which Node cannot load.
 */
export function streamwrightModules(): RegExp[] {
  if (!import.meta.url.endsWith('.js')) return [];
  // Vite names modules by their real path, with forward slashes on every platform.
  const packageDist = fileURLToPath(new URL('../../', import.meta.url)).replaceAll('\\', '/');
  return [new RegExp(`${packageDist.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\.js$`)];
}

/** What {@link embeddedKafka} puts into vitest's `test` options. */
export interface EmbeddedKafkaTestOptions {
  globalSetup: string[];
  provide: { [OPTIONS_KEY]: EmbeddedKafkaVitestOptions };
  server: { deps: { external: RegExp[] } };
}

/**
 * `test: { ...embeddedKafka({ brokers: 3 }) }` in vitest.config.ts: the global setup that starts
 * the broker, its options, and this package left to Node (see {@link streamwrightModules}).
 * Spread it before your own `globalSetup`/`provide`/`server`, or merge them.
 */
export function embeddedKafka(options: EmbeddedKafkaVitestOptions = {}): EmbeddedKafkaTestOptions {
  return { globalSetup: [globalSetupPath], provide: { [OPTIONS_KEY]: options }, server: { deps: { external: streamwrightModules() } } };
}
