// `streamwright transactions`: kafka-transactions.sh's list, describe and describe-producers,
// with its columns, against any Kafka broker.
import { ErrorCode, KafkaProtocolError, isRetriable } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { exactlyOneAction, intFlag, parseFlags, UsageError } from '../args.js';
import { writeOut, type Command, withClusterClient } from '../command.js';
import { ClusterClient, sleep } from '../../client/cluster-client.js';
import type { KafkaConnection } from '../../client/kafka-connection.js';

const USAGE = `usage: streamwright transactions --bootstrap-server HOST:PORT ACTION [options]

Lists and describes transactions and the producers of a partition, like Kafka's
kafka-transactions.sh.

actions (exactly one):
  --list                  the transactional ids of every broker, with producer id and state
  --describe              the state, producer, timeout and partitions of --transactional-id
  --describe-producers    the active producers of --topic --partition

options:
  --bootstrap-server S    host:port of a broker (comma-separated list allowed); required
  --transactional-id ID   --describe: the transactional id
  --topic T               --describe-producers: the topic
  --partition P           --describe-producers: the partition (default 0)
  --help                  print this help
`;

const ACTIONS = ['list', 'describe', 'describe-producers'] as const;
type Action = (typeof ACTIONS)[number];

interface Options {
  bootstrapServer: string;
  action: Action;
  transactionalId?: string;
  topic?: string;
  partition: number;
}

/** Kafka's prettyPrintTable: every column padded to its widest cell, separated by a tab. */
function table(headers: readonly string[], rows: readonly string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('\t');
  return [line(headers), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

async function listTransactions(cluster: ClusterClient): Promise<void> {
  const metadata = await cluster.metadata([]);
  const rows: string[][] = [];
  for (const nodeId of [...metadata.brokers.keys()].sort((a, b) => a - b)) {
    const connection = await cluster.connectionToNode(nodeId);
    const response = await connection.request(ApiKeys.ListTransactions, connection.versionFor(ApiKeys.ListTransactions), { stateFilters: [], producerIdFilters: [], durationFilter: -1n });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, `ListTransactions on broker ${nodeId}`);
    for (const t of response.transactionStates) rows.push([t.transactionalId, String(nodeId), String(t.producerId), t.transactionState]);
  }
  rows.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  await writeOut(table(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows));
}

/** The transactional id's coordinator (FindCoordinator key type 1), retrying while it is being set up. */
async function coordinator(cluster: ClusterClient, transactionalId: string): Promise<{ nodeId: number; connection: KafkaConnection }> {
  for (let attempt = 0; ; attempt++) {
    const connection = await cluster.anyConnection();
    const version = connection.versionFor(ApiKeys.FindCoordinator, { min: 1 });
    const response = await connection.request(ApiKeys.FindCoordinator, version, { key: transactionalId, keyType: 1, coordinatorKeys: [transactionalId] });
    const found = version >= 4 ? response.coordinators[0]! : response;
    if (found.errorCode === ErrorCode.NONE) return { nodeId: found.nodeId, connection: await cluster.connectionToNode(found.nodeId) };
    if (!isRetriable(found.errorCode) || attempt >= 30) throw new KafkaProtocolError(found.errorCode, `FindCoordinator for transactional id ${transactionalId}`);
    await sleep(Math.min(100 * 2 ** attempt, 1000));
  }
}

async function describeTransaction(cluster: ClusterClient, transactionalId: string): Promise<void> {
  const { nodeId, connection } = await coordinator(cluster, transactionalId);
  const response = await connection.request(ApiKeys.DescribeTransactions, connection.versionFor(ApiKeys.DescribeTransactions), { transactionalIds: [transactionalId] });
  const state = response.transactionStates[0];
  if (!state) throw new Error(`no description of ${transactionalId} in the response`);
  if (state.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(state.errorCode, `DescribeTransactions for ${transactionalId}`);
  const start = Number(state.transactionStartTimeMs);
  const partitions = state.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)).join(',');
  const row = [
    String(nodeId),
    state.transactionalId,
    String(state.producerId),
    String(state.producerEpoch),
    state.transactionState,
    String(state.transactionTimeoutMs),
    start < 0 ? 'None' : String(start),
    start < 0 ? 'None' : String(Math.max(0, Date.now() - start)),
    partitions,
  ];
  const headers = ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'];
  await writeOut(table(headers, [row]));
}

async function describeProducers(cluster: ClusterClient, topic: string, partition: number): Promise<void> {
  const info = (await cluster.readyTopics([topic], { timeoutMs: 5000 })).get(topic)!;
  const leader = info.partitions.find((p) => p.partition === partition)?.leaderId;
  if (leader === undefined) throw new KafkaProtocolError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
  const connection = await cluster.connectionToNode(leader);
  const response = await connection.request(ApiKeys.DescribeProducers, connection.versionFor(ApiKeys.DescribeProducers), { topics: [{ name: topic, partitionIndexes: [partition] }] });
  const result = response.topics[0]?.partitions[0];
  if (!result) throw new Error(`no producers of ${topic}-${partition} in the response`);
  if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? `DescribeProducers for ${topic}-${partition}`);
  const rows = result.activeProducers.map((p) => [
    String(p.producerId),
    String(p.producerEpoch),
    String(p.coordinatorEpoch),
    String(p.lastSequence),
    String(p.lastTimestamp),
    p.currentTxnStartOffset < 0n ? 'None' : String(p.currentTxnStartOffset),
  ]);
  await writeOut(table(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'], rows));
}

function parseOptions(args: readonly string[]): Options | null {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    list: { type: 'boolean' },
    describe: { type: 'boolean' },
    'describe-producers': { type: 'boolean' },
    'transactional-id': { type: 'string' },
    topic: { type: 'string' },
    partition: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) return null;
  const action = exactlyOneAction(flags, ACTIONS);
  if (!flags['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
  if (action === 'describe' && !flags['transactional-id']) throw new UsageError('--describe needs --transactional-id');
  if (action !== 'describe' && flags['transactional-id'] !== undefined) throw new UsageError('--transactional-id goes with --describe');
  if (action === 'describe-producers' && !flags.topic) throw new UsageError('--describe-producers needs --topic');
  if (action !== 'describe-producers' && (flags.topic !== undefined || flags.partition !== undefined)) throw new UsageError('--topic and --partition go with --describe-producers');
  return {
    bootstrapServer: flags['bootstrap-server'],
    action,
    transactionalId: flags['transactional-id'],
    topic: flags.topic,
    partition: intFlag(flags.partition, 'partition', 0) ?? 0,
  };
}

async function run(args: readonly string[]): Promise<number> {
  const options = parseOptions(args);
  if (!options) {
    await writeOut(USAGE);
    return 0;
  }
  return withClusterClient(options.bootstrapServer, 'streamwright-transactions', 'Error: ', async (client) => {
    switch (options.action) {
      case 'list':
        await listTransactions(client);
        return 0;
      case 'describe':
        await describeTransaction(client, options.transactionalId!);
        return 0;
      case 'describe-producers':
        await describeProducers(client, options.topic!, options.partition);
        return 0;
    }
    return 2;
  });
}

export const transactionsCommand: Command = { name: 'transactions', summary: 'list and describe transactions and producers', usage: USAGE, run };
