// `streamwright broker`: runs the embedded Kafka-compatible broker as a server process.
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { EmbeddedKafka, type EmbeddedKafkaOptions } from '../../broker/embedded-kafka.js';
import { consoleLogger, type LogLevel } from '../../broker/logger.js';
import { intFlag, keyValues, parseFlags, UsageError } from '../args.js';
import { errorMessage, onceSignal, writeOut, type Command } from '../command.js';
import { kafkajsSuiteOptions } from './kafkajs-suite.js';

const USAGE = `usage: streamwright broker [options]

Runs a Kafka-compatible broker. Prints "listening on HOST:PORT" on stdout once it accepts
connections; logs go to stderr. SIGINT or SIGTERM stops it cleanly (exit code 0).

options:
  --port N              port to listen on (default 9092; 0 picks a free port)
  --brokers N           run a cluster of N replicating brokers in this process; prints one
                        "listening on HOST:PORT" line per broker (default: one plain broker)
  --node-ids LIST       the brokers' node ids, e.g. 0,1,2 (default 0..N-1)
  --ports LIST          the brokers' ports, e.g. 9092,9095,9098 (default: --port, --port+1, ...;
                        all free ports with --port 0)
  --host H              address to bind (default 127.0.0.1, or the loopback address that
                        --advertised-host resolves to first, e.g. ::1 for localhost on some hosts)
  --advertised-host H   host name clients are told to use (default: --host, or this
                        machine's host name when --host is 0.0.0.0 or ::)
  --data-dir DIR        where the logs and cluster metadata live (default: log.dirs from
                        --config, else a temporary directory that is removed on exit)
  --config KEY=VALUE    a broker config with Kafka's name, e.g. num.partitions=3 (repeatable)
  --kafkajs-suite       the cluster kafkajs's own integration suite expects: brokers 0-2 with
                        PLAINTEXT on --port, --port+3, --port+6 (default 9092/9095/9098), SSL
                        on the next port each, SASL_SSL on the one after (9094/9097/9100), the
                        suite's SASL users and an ACL authorizer; advertised as localhost
  --log-level LEVEL     debug, info, warn, error or silent (default info)
  --help                print this help
`;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

async function run(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, {
    port: { type: 'string' },
    brokers: { type: 'string' },
    'node-ids': { type: 'string' },
    ports: { type: 'string' },
    host: { type: 'string' },
    'advertised-host': { type: 'string' },
    'data-dir': { type: 'string' },
    config: { type: 'string', multiple: true },
    'log-level': { type: 'string' },
    'kafkajs-suite': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    await writeOut(USAGE);
    return 0;
  }
  const port = intFlag(flags.port, 'port', 0, 65535) ?? 9092;
  const suite = flags['kafkajs-suite'] === true;
  if (suite && (flags.brokers ?? flags['node-ids'] ?? flags.ports) !== undefined) throw new UsageError('--kafkajs-suite fixes the brokers, node ids and ports: give only --port (the base port)');
  // The suite's clients connect to localhost.
  const advertisedFlag = flags['advertised-host'] ?? (suite && flags.host === undefined ? 'localhost' : undefined);
  const host = flags.host ?? (await loopbackOf(advertisedFlag)) ?? '127.0.0.1';
  const advertisedHost = advertisedFlag ?? (host === '0.0.0.0' || host === '::' ? hostname() : host);
  const level = (flags['log-level'] ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const config = Object.fromEntries(keyValues(flags.config, 'config'));
  const layout: EmbeddedKafkaOptions = suite ? kafkajsSuiteOptions(port) : clusterFlags(flags.brokers, flags['node-ids'], flags.ports, port);
  const logger = consoleLogger(level, 'broker');

  // Without one, EmbeddedKafka uses a fresh temp dir and removes it on stop (a warning says so).
  const dataDir = flags['data-dir'] ?? ((config['log.dirs'] ?? config['log.dir'])?.split(',')[0]?.trim() || undefined);

  // Signals that arrive while starting still stop the broker once it is up.
  const signal = onceSignal(['SIGINT', 'SIGTERM']);
  let kafka: EmbeddedKafka;
  try {
    kafka = await EmbeddedKafka.start({ port, host, advertisedHost, dataDir, logger, ...layout, config: { ...layout.config, ...config } });
  } catch (error) {
    signal.dispose();
    process.stderr.write(`error: the broker did not start: ${errorMessage(error)}\n`);
    return 1;
  }
  if (!dataDir) logger.warn(`no --data-dir given: using ${kafka.dataDir}, which is deleted on exit`);
  for (const server of kafka.bootstrapServers) await writeOut(`listening on ${server}\n`);
  // With several listeners: one more line per listener, e.g. "listener SSL on localhost:9093,localhost:9096".
  const listeners = kafka.listenerNames();
  if (listeners.length > 1) for (const name of listeners) await writeOut(`listener ${name} on ${kafka.bootstrapServersFor(name).join(',')}\n`);

  const received = await signal.promise;
  logger.info(`${received} received, shutting down`);
  // A second signal while closing the logs means "now": exit without waiting.
  const forced = onceSignal(['SIGINT', 'SIGTERM']);
  void forced.promise.then(() => {
    process.stderr.write('error: second signal during shutdown, exiting immediately\n');
    process.exit(1);
  });
  try {
    await kafka.stop();
  } catch (error) {
    process.stderr.write(`error: shutdown failed: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    forced.dispose();
  }
  logger.info('broker stopped');
  return 0;
}

/**
 * Without --host, a broker advertised under a name of this machine's loopback (`localhost`)
 * binds the address that name resolves to first. That is 127.0.0.1 on some systems and ::1 on
 * others; bound to 127.0.0.1 while the name gives ::1 first, the broker would be missed by
 * clients that try only the first address, and by every client (the replica fetchers included,
 * they connect to the advertised name) where the name gives ::1 alone. A name that resolves
 * elsewhere, or not at all, gives undefined: the broker binds 127.0.0.1 and listens beyond the
 * loopback only when --host says so.
 */
async function loopbackOf(advertisedHost: string | undefined): Promise<string | undefined> {
  if (advertisedHost === undefined) return undefined;
  try {
    const { address } = await lookup(advertisedHost);
    return address === '::1' || /^127\./.test(address) ? address : undefined;
  } catch {
    return undefined;
  }
}

/** --brokers, --node-ids and --ports: the options of a multi-broker cluster (none without them). */
function clusterFlags(brokers: string | undefined, nodeIds: string | undefined, ports: string | undefined, port: number): { brokers?: number; nodeIds?: number[]; ports?: number[] } {
  const list = (value: string, name: string, max: number) =>
    value.split(',').map((item) => {
      const n = Number(item.trim());
      if (item.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} must be a comma-separated list of integers 0-${max}`);
      return n;
    });
  const ids = nodeIds === undefined ? undefined : list(nodeIds, 'node-ids', 2 ** 31 - 1);
  const portList = ports === undefined ? undefined : list(ports, 'ports', 65535);
  const count = brokers === undefined ? (ids?.length ?? portList?.length) : intFlag(brokers, 'brokers', 1, 1000)!;
  if (count === undefined) return {};
  if (ids && ids.length !== count) throw new UsageError(`--node-ids lists ${ids.length} ids for ${count} brokers`);
  if (ids && new Set(ids).size !== ids.length) throw new UsageError('--node-ids must be distinct');
  if (portList && portList.length !== count) throw new UsageError(`--ports lists ${portList.length} ports for ${count} brokers`);
  return {
    brokers: count,
    ...(ids ? { nodeIds: ids } : {}),
    ports: portList ?? Array.from({ length: count }, (_, i) => (port === 0 ? 0 : port + i)),
  };
}

export const brokerCommand: Command = { name: 'broker', summary: 'run a Kafka-compatible broker', usage: USAGE, run };
