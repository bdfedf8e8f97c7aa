import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigValue } from './config/broker-config.js';
import { BrokerConfig } from './config/broker-config.js';
import { KafkaBroker, type BrokerOptions } from './kafka-broker.js';
import type { BrokerLogger } from './logger.js';
import { consoleLogger } from './logger.js';
import { ClusterController } from './replication/cluster-controller.js';
import { Faults } from './faults.js';
import { createEmbeddedTopics, embeddedTopics, topicAdminAccess, type EmbeddedTopic, type TopicAdminAccess } from './embedded-topics.js';
import { shiftListenerPorts } from './security/listeners.js';
import { throwawayCertificates, type PemCredentials, type ThrowawayCertificates } from './security/throwaway-certificates.js';
import { credentialFromPassword, isScramMechanism } from './security/sasl/scram-credential.js';
import { ClusterMetadata } from './cluster/cluster-metadata.js';
import { systemClock, type Clock } from './clock.js';
import { ManualClock } from './manual-clock.js';

/** A SASL user created at start-up: a PLAIN password and/or SCRAM credentials. */
export interface EmbeddedSaslUser {
  username: string;
  password: string;
  /** Which mechanisms the user gets (default: every enabled PLAIN and SCRAM mechanism). */
  mechanisms?: string[];
  /** SCRAM iterations (default 4096, Kafka's minimum). */
  iterations?: number;
}

export interface EmbeddedKafkaOptions {
  /**
   * How many brokers to run in this process (default: one, exactly the single-node broker).
   * With `brokers` set (even to 1) the brokers form a replicated cluster: each has its own
   * listener and data dir (`<dataDir>/broker-<id>`), and they share a controller whose metadata
   * lives in `<dataDir>/__cluster_metadata/`.
   */
  brokers?: number;
  /** Node ids of the brokers (default 0..brokers-1). */
  nodeIds?: number[];
  /** Ports of the brokers, in nodeIds order (default: free ports). */
  ports?: number[];
  /** Port to listen on (single broker); 0 (the default) picks a free one. */
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
  /**
   * Topics to create once the brokers listen, as Spring's `@EmbeddedKafka(topics)`: names, or
   * `{ name, partitions, replicationFactor, config }`. `start()` resolves when every partition
   * has a leader.
   */
  topics?: readonly (string | EmbeddedTopic)[];
  /** Partitions of the `topics` that do not say (default: the broker's `num.partitions`). */
  partitions?: number;
  /**
   * Kafka's `listeners`, e.g. `'PLAINTEXT://:0,SASL_SSL://:0'` (port 0: a free port). In a
   * cluster, broker number i adds i × (number of listeners) to every fixed port. Default: one
   * listener on `port`, PLAINTEXT (SSL with `tls`, SASL_PLAINTEXT or SASL_SSL with `sasl`).
   */
  listeners?: string | readonly string[];
  /**
   * Creates a throwaway CA and a broker certificate (for localhost, 127.0.0.1, ::1 and the
   * advertised host) and configures every SSL and SASL_SSL listener with them; `kafka.tls`
   * holds the CA and a client certificate to connect with.
   */
  tls?: boolean;
  /** SASL: mechanisms (default PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) and users created at start-up. */
  sasl?: { mechanisms?: string[]; users?: EmbeddedSaslUser[] };
  /**
   * The brokers' source of time: `'system'` (the default) or `'manual'`, a ManualClock that only
   * moves on `kafka.clock.advance(ms)`, so session timeouts, retention, transaction timeouts and
   * delayed fetches happen when the test says. A ManualClock instance chooses the start time.
   * See docs/testing.md.
   */
  clock?: 'system' | 'manual' | ManualClock;
}

/** What a client needs to connect to an EmbeddedKafka started with `tls: true`. */
export interface EmbeddedTlsCredentials {
  /** The throwaway CA (PEM) to trust. */
  readonly ca: string;
  /** A client certificate and key signed by that CA (subject CN=client), for ssl.client.auth. */
  readonly client: PemCredentials;
  /** The broker's own certificate and key. */
  readonly broker: PemCredentials;
}

/**
 * Kafka's 50 partitions per internal topic cost every test that first uses a group or a
 * transaction the creation of 50 logs (a second or more on a busy machine), and the shutdown their
 * checkpoints; a test has a handful of groups and transactional ids.
 */
const SMALL_INTERNAL_TOPICS: Record<string, ConfigValue> = {
  'offsets.topic.num.partitions': 5,
  'transaction.state.log.num.partitions': 5,
};

/** Defaults that suit tests better than Kafka's production defaults. */
const EMBEDDED_DEFAULTS: Record<string, ConfigValue> = {
  // No 3-second wait before the first rebalance of a new group.
  'group.initial.rebalance.delay.ms': 0,
  // A single broker cannot hold 3 replicas of the internal topics.
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
  ...SMALL_INTERNAL_TOPICS,
};

/**
 * Defaults of an embedded cluster: internal topics keep Kafka's replication factor 3 (capped by
 * the live brokers when created), and failures are noticed within seconds rather than Kafka's
 * 9 s session and 30 s replica lag.
 */
const CLUSTER_DEFAULTS: Record<string, ConfigValue> = {
  'group.initial.rebalance.delay.ms': 0,
  'broker.heartbeat.interval.ms': 200,
  'broker.session.timeout.ms': 1500,
  'replica.lag.time.max.ms': 5000,
  'replica.fetch.backoff.ms': 200,
  ...SMALL_INTERNAL_TOPICS,
};

/** One broker of an embedded cluster, to stop, crash and bring back in tests. */
export class EmbeddedBroker {
  constructor(
    private readonly owner: EmbeddedKafka,
    readonly nodeId: number,
  ) {}

  /** The running broker object, for tests that look inside it (throws when it is stopped). */
  get instance(): KafkaBroker {
    return this.owner.runningBroker(this.nodeId);
  }

  /** The broker's port (kept across restarts). */
  get port(): number {
    return this.owner.portOf(this.nodeId);
  }

  get isRunning(): boolean {
    return this.owner.isRunning(this.nodeId);
  }

  /** Clean shutdown: leadership moves away, logs are flushed and closed. */
  stop(): Promise<void> {
    return this.owner.stopBroker(this.nodeId, false);
  }

  /** A crash: sockets destroyed, nothing flushed, in-memory state dropped; the controller notices the missing heartbeats. */
  kill(): Promise<void> {
    return this.owner.stopBroker(this.nodeId, true);
  }

  /** Starts the broker again on the same port and data dir (stopping it first if it runs). */
  restart(): Promise<void> {
    return this.owner.restartBroker(this.nodeId);
  }
}

/**
 * A real Kafka broker — or a cluster of them — in this process, for tests and local runs:
 * `const kafka = await EmbeddedKafka.start()` then point any client at `kafka.bootstrapServers`.
 */
export class EmbeddedKafka {
  private readonly running = new Map<number, KafkaBroker>();
  private readonly optionsById = new Map<number, BrokerOptions>();
  private readonly handles = new Map<number, EmbeddedBroker>();

  private constructor(
    private readonly rootDataDir: string,
    private readonly ownedDataDir: string | null,
    readonly nodeIds: readonly number[],
    private readonly cluster: ClusterController | undefined,
    private readonly faultInjector: Faults | undefined = undefined,
    private readonly brokerClock: Clock = systemClock,
  ) {}

  /**
   * The brokers' manual clock (`EmbeddedKafka.start({ clock: 'manual' })`): `advance(ms)` moves
   * their time and fires the timers that fall due.
   */
  get clock(): ManualClock {
    if (!(this.brokerClock instanceof ManualClock)) throw new Error("the brokers run on the real clock: start with EmbeddedKafka.start({ clock: 'manual' }) to advance time by hand");
    return this.brokerClock;
  }

  /**
   * Fault injection for the cluster (`brokers: N` only): dropped and delayed responses,
   * isolated brokers. See src/broker/faults.ts and docs/replication.md.
   */
  get faults(): Faults {
    if (!this.faultInjector) throw new Error('fault injection needs a cluster: EmbeddedKafka.start({ brokers: N })');
    return this.faultInjector;
  }

  /** Client credentials when started with `tls: true` (else null). */
  tls: EmbeddedTlsCredentials | null = null;

  static async start(options: EmbeddedKafkaOptions = {}): Promise<EmbeddedKafka> {
    const security = securityConfig(options);
    options = { ...options, config: { ...security.config, ...options.config, ...(security.listeners ? { listeners: security.listeners } : {}) } };
    // Refused configs (security, bad values) and bad topics fail here, before a temp dir or a socket exists.
    new BrokerConfig({ ...options.config });
    const topics = embeddedTopics(options.topics ?? [], options.partitions);
    const kafka = await EmbeddedKafka.startBrokers(options, security.credentials);
    try {
      if (topics.length > 0) await createEmbeddedTopics(kafka.topicAdminAccess(options), topics);
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    return kafka;
  }

  /** The listener and credentials the declared topics are created with (SASL-only brokers too). */
  private topicAdminAccess(options: EmbeddedKafkaOptions): TopicAdminAccess {
    const broker = [...this.running.values()][0];
    return topicAdminAccess({
      listeners: broker?.listenerSettings.listeners ?? [],
      bootstrapServersFor: (listener) => this.bootstrapServersFor(listener),
      tls: this.tls,
      users: options.sasl?.users ?? [],
      enabledMechanisms: enabledMechanisms(options),
    });
  }

  private static async startBrokers(options: EmbeddedKafkaOptions, credentials: EmbeddedTlsCredentials | null): Promise<EmbeddedKafka> {
    const plainUsers = plainUsersOf(options);
    const ownedDataDir = options.dataDir ? null : mkdtempSync(join(tmpdir(), 'streamwright-kafka-'));
    const dataDir = options.dataDir ?? ownedDataDir!;
    const clock = clockOf(options);
    if (options.brokers === undefined) {
      const kafka = new EmbeddedKafka(dataDir, ownedDataDir, [], undefined, undefined, clock);
      const brokerOptions: BrokerOptions = {
        dataDir,
        host: options.host,
        port: options.port ?? 0,
        advertisedHost: options.advertisedHost,
        config: { ...EMBEDDED_DEFAULTS, ...options.config },
        logger: options.logger,
        plainUsers,
        clock,
      };
      const broker = await KafkaBroker.start(brokerOptions);
      kafka.tls = credentials;
      createScramUsers(broker.cluster.metadata, options);
      (kafka as { nodeIds: readonly number[] }).nodeIds = [broker.nodeId];
      kafka.running.set(broker.nodeId, broker);
      kafka.optionsById.set(broker.nodeId, { ...brokerOptions, port: broker.port, nodeId: broker.nodeId, config: { ...brokerOptions.config, ...(options.config!.listeners ? { listeners: broker.boundListeners() } : {}) } });
      return kafka;
    }

    const count = options.brokers;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`brokers must be a positive integer, got ${count}`);
    const nodeIds = options.nodeIds ?? Array.from({ length: count }, (_, i) => i);
    if (nodeIds.length !== count || new Set(nodeIds).size !== count) throw new RangeError(`nodeIds must name ${count} distinct brokers`);
    if (options.ports && options.ports.length !== count) throw new RangeError(`ports must list ${count} ports`);
    const config = { ...CLUSTER_DEFAULTS, ...options.config };
    const brokerConfig = new BrokerConfig(config);
    const logger = options.logger ?? consoleLogger('warn', 'cluster');
    const faults = new Faults();
    const metadataDir = join(dataDir, '__cluster_metadata');
    mkdirSync(metadataDir, { recursive: true });
    const cluster = new ClusterController({
      faults,
      metadata: ClusterMetadata.loadLog(metadataDir),
      logger,
      sessionTimeoutMs: brokerConfig.int('broker.session.timeout.ms'),
      uncleanLeaderElection: brokerConfig.boolean('unclean.leader.election.enable'),
      autoLeaderRebalance: brokerConfig.boolean('auto.leader.rebalance.enable'),
      leaderImbalanceCheckIntervalMs: brokerConfig.int('leader.imbalance.check.interval.seconds') * 1000,
      leaderImbalancePerBrokerPercentage: brokerConfig.int('leader.imbalance.per.broker.percentage'),
      clock,
    });
    const kafka = new EmbeddedKafka(dataDir, ownedDataDir, nodeIds, cluster, faults, clock);
    kafka.tls = credentials;
    createScramUsers(cluster.metadata, options);
    const listenersText = config.listeners === undefined ? undefined : String(config.listeners);
    const listenerCount = listenersText?.split(',').filter((l) => l.trim() !== '').length ?? 0;
    // Healed brokers register again: the controller fences their old incarnation, they rejoin as followers.
    faults.onClientsCut((id) => kafka.running.get(id)?.dropConnections());
    faults.onHeal((healed) => {
      for (const id of healed) {
        const broker = kafka.running.get(id);
        if (broker?.isRunning) cluster.register(broker);
      }
    });
    nodeIds.forEach((nodeId, i) => {
      kafka.optionsById.set(nodeId, {
        dataDir: join(dataDir, `broker-${nodeId}`),
        nodeId,
        host: options.host,
        port: options.ports?.[i] ?? 0,
        advertisedHost: options.advertisedHost,
        config: {
          ...config,
          'node.id': nodeId,
          ...(listenersText ? { listeners: shiftListenerPorts('listeners', listenersText, i, listenerCount) } : {}),
          ...(config['advertised.listeners'] ? { 'advertised.listeners': shiftListenerPorts('advertised.listeners', String(config['advertised.listeners']), i, listenerCount) } : {}),
        },
        logger: options.logger ?? consoleLogger('warn', `broker-${nodeId}`),
        cluster,
        faults,
        plainUsers,
        clock,
      });
    });
    try {
      for (const nodeId of nodeIds) await kafka.startBroker(nodeId);
    } catch (error) {
      await kafka.stop();
      throw error;
    }
    return kafka;
  }

  /**
   * A broker by node id (default: the first, the only one without `brokers`), to stop, kill or
   * restart it; `.instance` is the running broker object.
   */
  broker(nodeId: number = this.nodeIds[0]!): EmbeddedBroker {
    if (!this.optionsById.has(nodeId)) throw new RangeError(`no broker ${nodeId} in this cluster (${this.nodeIds.join(', ')})`);
    let handle = this.handles.get(nodeId);
    if (!handle) this.handles.set(nodeId, (handle = new EmbeddedBroker(this, nodeId)));
    return handle;
  }

  /**
   * `host:port` of every broker on one listener (e.g. 'SASL_SSL'), for a client's bootstrap
   * list; brokers that are not running are left out.
   */
  bootstrapServersFor(listener: string): string[] {
    const name = listener.toUpperCase();
    const found = this.nodeIds.flatMap((id) => {
      const address = this.running.get(id)?.advertisedListeners()[name];
      return address ? [`${address.host}:${address.port}`] : [];
    });
    if (found.length === 0 && this.running.size > 0) throw new RangeError(`no listener ${name} (listeners: ${Object.keys([...this.running.values()][0]!.advertisedListeners()).join(', ')})`);
    return found;
  }

  /** The listener names, in `listeners` order (empty when no broker runs). */
  listenerNames(): string[] {
    const broker = [...this.running.values()][0];
    return broker ? Object.keys(broker.advertisedListeners()) : [];
  }

  /** `host:port` of every broker (running or not: their ports stay theirs), for a client's bootstrap list. */
  get bootstrapServers(): string[] {
    return this.nodeIds.map((id) => {
      const running = this.running.get(id);
      const options = this.optionsById.get(id)!;
      return running ? `${running.host}:${running.port}` : `${options.advertisedHost ?? options.host ?? '127.0.0.1'}:${options.port}`;
    });
  }

  get dataDir(): string {
    return this.cluster ? this.rootDataDir : this.broker().instance.dataDir;
  }

  /** The in-process controller (null for a single broker without `brokers`). */
  get controller(): ClusterController | null {
    return this.cluster ?? null;
  }

  async stop(): Promise<void> {
    // A single broker whose temp dir is deleted next skips the clean shutdown's flushes and
    // checkpoints (fsyncs that cost a test run seconds on a busy disk): nothing will read them.
    const discarded = this.ownedDataDir !== null && !this.cluster;
    for (const broker of [...this.running.values()]) await (discarded ? broker.kill() : broker.stop());
    this.running.clear();
    this.cluster?.close();
    if (this.ownedDataDir) rmSync(this.ownedDataDir, { recursive: true, force: true });
  }

  /** @internal */
  runningBroker(nodeId: number): KafkaBroker {
    const broker = this.running.get(nodeId);
    if (!broker) throw new Error(`broker ${nodeId} is not running`);
    return broker;
  }

  /** @internal */
  portOf(nodeId: number): number {
    return this.running.get(nodeId)?.port ?? this.optionsById.get(nodeId)!.port!;
  }

  /** @internal */
  isRunning(nodeId: number): boolean {
    return this.running.has(nodeId);
  }

  /** @internal */
  async stopBroker(nodeId: number, crash: boolean): Promise<void> {
    const broker = this.running.get(nodeId);
    if (!broker) return;
    this.running.delete(nodeId);
    if (crash) await broker.kill();
    else await broker.stop();
  }

  /** @internal */
  async restartBroker(nodeId: number): Promise<void> {
    await this.stopBroker(nodeId, false);
    await this.startBroker(nodeId);
  }

  private async startBroker(nodeId: number): Promise<void> {
    const options = this.optionsById.get(nodeId)!;
    const broker = await KafkaBroker.start(options);
    // Keep the ports across restarts, so bootstrap lists stay valid.
    const config: Record<string, ConfigValue> = { ...options.config };
    if (config.listeners !== undefined) config.listeners = broker.boundListeners();
    this.optionsById.set(nodeId, { ...options, port: broker.port, config });
    this.running.set(nodeId, broker);
  }
}

function clockOf(options: EmbeddedKafkaOptions): Clock {
  const clock = options.clock ?? 'system';
  if (clock === 'system') return systemClock;
  if (clock === 'manual') return new ManualClock();
  if (clock instanceof ManualClock) return clock;
  throw new TypeError(`clock must be 'system', 'manual' or a ManualClock, got ${String(clock)}`);
}

/** The configs and default listener that `tls` and `sasl` stand for, and the generated credentials. */
function securityConfig(options: EmbeddedKafkaOptions): { config: Record<string, ConfigValue>; listeners: string | undefined; credentials: EmbeddedTlsCredentials | null } {
  const config: Record<string, ConfigValue> = {};
  let listeners = typeof options.listeners === 'string' ? options.listeners : options.listeners?.join(',');
  if (listeners === undefined && options.config?.listeners === undefined && (options.tls || options.sasl)) {
    const protocol = `${options.sasl ? 'SASL_' : ''}${options.tls ? 'SSL' : 'PLAINTEXT'}`;
    const host = options.host ?? '127.0.0.1';
    listeners = `${protocol}://${host.includes(':') ? `[${host}]` : host}:${options.brokers === undefined ? (options.port ?? 0) : (options.ports?.[0] ?? 0)}`;
  }
  if (options.sasl) config['sasl.enabled.mechanisms'] = (options.sasl.mechanisms ?? ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']).join(',');
  let credentials: EmbeddedTlsCredentials | null = null;
  if (options.tls) {
    const hosts = ['localhost', '127.0.0.1', '::1', ...(options.advertisedHost ? [options.advertisedHost] : []), ...(options.host ? [options.host] : [])];
    const generated: ThrowawayCertificates = throwawayCertificates(hosts);
    credentials = { ca: generated.ca, client: generated.client, broker: generated.broker };
    config['ssl.keystore.type'] = 'PEM';
    config['ssl.keystore.certificate.chain'] = generated.broker.cert;
    config['ssl.keystore.key'] = generated.broker.key;
    config['ssl.truststore.type'] = 'PEM';
    config['ssl.truststore.certificates'] = generated.ca;
  }
  return { config, listeners, credentials };
}

function enabledMechanisms(options: EmbeddedKafkaOptions): string[] {
  const text = options.config?.['sasl.enabled.mechanisms'];
  return text === undefined ? [] : String(text).split(',').map((m) => m.trim().toUpperCase());
}

/** `sasl.users` that get a PLAIN password. */
function plainUsersOf(options: EmbeddedKafkaOptions): Map<string, string> {
  const enabled = enabledMechanisms(options);
  return new Map((options.sasl?.users ?? []).filter((u) => (u.mechanisms ?? enabled).includes('PLAIN')).map((u) => [u.username, u.password]));
}

/** `sasl.users` SCRAM credentials, stored in the cluster metadata as AlterUserScramCredentials would. */
function createScramUsers(metadata: ClusterMetadata, options: EmbeddedKafkaOptions): void {
  const enabled = enabledMechanisms(options);
  for (const user of options.sasl?.users ?? []) {
    for (const mechanism of user.mechanisms ?? enabled) {
      if (isScramMechanism(mechanism)) metadata.setScramCredential(user.username, mechanism, credentialFromPassword(mechanism, user.password, user.iterations ?? 4096));
    }
  }
}
