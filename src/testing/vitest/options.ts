// What a vitest config passes to streamwright's global setup (`provide`), and the keys the
// global setup and the fixture share. Kept apart from the broker so that vitest.config.ts can
// import the helper without loading anything else.
import type { EmbeddedTopic } from '../../broker/embedded-topics.js';

/** The embedded broker (or cluster) the global setup starts for the whole run; values must be serializable. */
export interface EmbeddedKafkaVitestOptions {
  /** Run a replicated cluster of this many brokers (default: one broker). */
  brokers?: number;
  /** Broker configs with Kafka's names, e.g. `{ 'num.partitions': 3 }`. */
  config?: Record<string, string | number | boolean>;
  /** Topics to create before any test file runs (shared by every file: prefer the fixture's own). */
  topics?: (string | EmbeddedTopic)[];
  /** Partitions of the `topics` that do not say. */
  partitions?: number;
  /** Port of the single broker (default: a free one). */
  port?: number;
  /** Ports of a cluster's brokers. */
  ports?: number[];
}

/** The `provide` key holding {@link EmbeddedKafkaVitestOptions}. */
export const OPTIONS_KEY = 'streamwrightKafka' as const;
/** The `inject` key holding the running broker's bootstrap servers. */
export const BOOTSTRAP_SERVERS_KEY = 'streamwrightBootstrapServers' as const;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Options of the embedded broker started by `streamwright/vitest/global-setup`. */
    streamwrightKafka?: EmbeddedKafkaVitestOptions;
    /** `host:port` of every broker started by `streamwright/vitest/global-setup`. */
    streamwrightBootstrapServers: string[];
  }
}
