import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigValue } from './config/broker-config.js';
import { KafkaBroker } from './kafka-broker.js';
import type { BrokerLogger } from './logger.js';

export interface EmbeddedKafkaOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Host name clients are told to connect to (default: host). */
  advertisedHost?: string;
  /** Data directory; without one a fresh temp dir is used and removed on stop(). */
  dataDir?: string;
  /** Broker configs with Kafka's names, e.g. { 'num.partitions': 3 }. */
  config?: Record<string, ConfigValue>;
  logger?: BrokerLogger;
}

/** Defaults that suit tests better than Kafka's production defaults. */
const EMBEDDED_DEFAULTS: Record<string, ConfigValue> = {
  // No 3-second wait before the first rebalance of a new group.
  'group.initial.rebalance.delay.ms': 0,
  // A single broker cannot hold 3 replicas of the internal topics.
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
};

/**
 * A real Kafka broker in this process, for tests and local runs:
 * `const kafka = await EmbeddedKafka.start()` then point any client at `kafka.bootstrapServers`.
 */
export class EmbeddedKafka {
  private constructor(
    readonly broker: KafkaBroker,
    private readonly ownedDataDir: string | null,
  ) {}

  static async start(options: EmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
    const ownedDataDir = options.dataDir ? null : mkdtempSync(join(tmpdir(), 'streamwright-kafka-'));
    const broker = await KafkaBroker.start({
      dataDir: options.dataDir ?? ownedDataDir!,
      host: options.host,
      port: options.port ?? 0,
      advertisedHost: options.advertisedHost,
      config: { ...EMBEDDED_DEFAULTS, ...options.config },
      logger: options.logger,
    });
    return new EmbeddedKafka(broker, ownedDataDir);
  }

  /** `host:port` of every broker, for a client's bootstrap list. */
  get bootstrapServers(): string[] {
    return [`${this.broker.host}:${this.broker.port}`];
  }

  get dataDir(): string {
    return this.broker.dataDir;
  }

  async stop(): Promise<void> {
    await this.broker.stop();
    if (this.ownedDataDir) rmSync(this.ownedDataDir, { recursive: true, force: true });
  }
}
