// `streamwright topics`: kafka-topics.sh's create/list/describe/alter/delete, with its output.
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { ZERO_UUID } from '../../protocol/schema/uuid.js';
import { exactlyOneAction, intFlag, keyValues, parseFlags, UsageError } from '../args.js';
import { writeOut, type Command, withClusterClient } from '../command.js';
import { ClusterClient, type TopicInfo } from '../../client/cluster-client.js';

const USAGE = `usage: streamwright topics --bootstrap-server HOST:PORT ACTION [options]

Creates, lists, describes, alters and deletes topics, like Kafka's kafka-topics.sh.

actions (exactly one):
  --create              create --topic
  --list                list topic names (internal topics too, unless --exclude-internal)
  --describe            describe topics: configs that are not defaults, partitions, leaders
  --alter               raise the partition count of --topic to --partitions
  --delete              delete --topic

options:
  --bootstrap-server S  host:port of a broker (comma-separated list allowed); required
  --topic T             the topic; for list/describe/alter/delete a regular expression
                        (commas separate alternatives)
  --partitions N        partition count (create: default the broker's num.partitions)
  --replication-factor N  replicas per partition (create: default the broker's
                        default.replication.factor)
  --config KEY=VALUE    a topic config for --create, e.g. retention.ms=60000 (repeatable)
  --if-not-exists       --create: do nothing if the topic exists
  --if-exists           --alter/--describe/--delete: do nothing if no topic matches
  --exclude-internal    leave out internal topics (__consumer_offsets, __transaction_state)
  --help                print this help
`;

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;
type Action = (typeof ACTIONS)[number];

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
const TOPIC_RESOURCE = 2;
const DEFAULT_CONFIG_SOURCE = 5;

interface TopicsOptions {
  action: Action;
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  configs: Map<string, string>;
  ifExists: boolean;
  ifNotExists: boolean;
  excludeInternal: boolean;
}

/**
 * kafka-topics.sh's topic filter: the argument is a regular expression matched against the
 * whole name, with commas as alternatives and quotes and spaces stripped.
 */
export function topicFilter(raw: string): (name: string) => boolean {
  const source = raw.trim().replaceAll(',', '|').replaceAll(' ', '').replace(/^["']+/, '').replace(/["']+$/, '');
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${source})$`);
  } catch {
    throw new Error(`${source} is an invalid regex.`);
  }
  return (name) => regex.test(name);
}

function isInternal(topic: TopicInfo): boolean {
  return topic.isInternal || INTERNAL_TOPICS.has(topic.name);
}

/** The topics an action applies to: all topics (sorted), filtered by --topic and --exclude-internal. */
async function matchingTopics(client: ClusterClient, options: TopicsOptions): Promise<TopicInfo[]> {
  const metadata = await client.metadata(null);
  const allowed = options.topic === undefined ? () => true : topicFilter(options.topic);
  const topics = metadata.topics
    .filter((t) => allowed(t.name) && !(options.excludeInternal && isInternal(t)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const required = options.action !== 'list' && !options.ifExists;
  if (required && options.topic !== undefined && options.topic !== '' && topics.length === 0) {
    throw new Error(`Topic '${options.topic}' does not exist as expected`);
  }
  return topics;
}

async function createTopic(client: ClusterClient, options: TopicsOptions): Promise<void> {
  const name = options.topic!;
  const connection = await client.controllerConnection();
  const version = connection.versionFor(ApiKeys.CreateTopics);
  // Broker-side defaults for partitions and replication factor need CreateTopics v4+.
  if (version < 4 && (options.partitions === undefined || options.replicationFactor === undefined)) {
    throw new Error('this broker needs --partitions and --replication-factor (it only serves CreateTopics below v4)');
  }
  if (name.includes('.') || name.includes('_')) {
    await writeOut("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
  }
  const response = await connection.request(ApiKeys.CreateTopics, version, {
    topics: [
      {
        name,
        numPartitions: options.partitions ?? -1,
        replicationFactor: options.replicationFactor ?? -1,
        assignments: [],
        configs: [...options.configs].map(([configName, value]) => ({ name: configName, value })),
      },
    ],
    timeoutMs: 30_000,
    validateOnly: false,
  });
  const result = response.topics.find((t) => t.name === name);
  if (!result) throw new Error(`the broker did not answer for topic ${name}`);
  if (result.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS && options.ifNotExists) return;
  if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? undefined);
  await writeOut(`Created topic ${name}.\n`);
}

async function listTopics(client: ClusterClient, options: TopicsOptions): Promise<void> {
  const topics = await matchingTopics(client, options);
  if (topics.length > 0) await writeOut(topics.map((t) => `${t.name}\n`).join(''));
}

/** The configs kafka-topics.sh shows: every one whose source is not DEFAULT_CONFIG. */
async function overriddenConfigs(client: ClusterClient, names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  const connection = await client.anyConnection();
  const version = connection.versionFor(ApiKeys.DescribeConfigs);
  const response = await connection.request(ApiKeys.DescribeConfigs, version, {
    resources: names.map((resourceName) => ({ resourceType: TOPIC_RESOURCE, resourceName, configurationKeys: null })),
    includeSynonyms: false,
    includeDocumentation: false,
  });
  for (const result of response.results) {
    if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? `describing configs of ${result.resourceName}`);
    const shown = result.configs.filter((c) => (version === 0 ? !c.isDefault : c.configSource !== DEFAULT_CONFIG_SOURCE));
    out.set(result.resourceName, shown.map((c) => `${c.name}=${c.value}`).join(','));
  }
  return out;
}

/** kafka-topics.sh --describe lines for one topic. */
export function describeLines(topic: TopicInfo, configs: string): string[] {
  const first = topic.partitions[0];
  const header =
    `Topic: ${topic.name}` +
    (topic.topicId !== ZERO_UUID ? `\tTopicId: ${topic.topicId}` : '') +
    `\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${first?.replicas.length ?? 0}\tConfigs: ${configs}`;
  const partitions = topic.partitions.map(
    (p) =>
      `\tTopic: ${topic.name}\tPartition: ${p.partition}\tLeader: ${p.leaderId >= 0 ? p.leaderId : 'none'}` +
      `\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}` +
      // Kafka 3.7+ prints these; N/A is what it shows when Metadata (not DescribeTopicPartitions) answered.
      `\tElr: N/A\tLastKnownElr: N/A`,
  );
  return [header, ...partitions];
}

async function describeTopics(client: ClusterClient, options: TopicsOptions): Promise<void> {
  const topics = await matchingTopics(client, options);
  const configs = await overriddenConfigs(
    client,
    topics.map((t) => t.name),
  );
  for (const topic of topics) {
    if (topic.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(topic.errorCode, `topic ${topic.name}`);
    await writeOut(describeLines(topic, configs.get(topic.name) ?? '').map((l) => `${l}\n`).join(''));
  }
}

async function alterTopics(client: ClusterClient, options: TopicsOptions): Promise<void> {
  const topics = await matchingTopics(client, options);
  if (topics.length === 0) return;
  const connection = await client.controllerConnection();
  const version = connection.versionFor(ApiKeys.CreatePartitions);
  const response = await connection.request(ApiKeys.CreatePartitions, version, {
    topics: topics.map((t) => ({ name: t.name, count: options.partitions!, assignments: null })),
    timeoutMs: 30_000,
    validateOnly: false,
  });
  for (const result of response.results) {
    if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? `topic ${result.name}`);
  }
}

async function deleteTopics(client: ClusterClient, options: TopicsOptions): Promise<void> {
  const topics = await matchingTopics(client, options);
  if (topics.length === 0) return;
  const connection = await client.controllerConnection();
  const version = connection.versionFor(ApiKeys.DeleteTopics);
  const names = topics.map((t) => t.name);
  const response = await connection.request(ApiKeys.DeleteTopics, version, {
    // v0-5 name topics in topicNames, v6+ in topics (by name or id); the codec writes the one the version has.
    topicNames: names,
    topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
    timeoutMs: 30_000,
  });
  for (const result of response.responses) {
    if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? `topic ${result.name}`);
  }
}

function parseOptions(args: readonly string[]): (TopicsOptions & { bootstrapServer: string }) | null {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    create: { type: 'boolean' },
    list: { type: 'boolean' },
    describe: { type: 'boolean' },
    alter: { type: 'boolean' },
    delete: { type: 'boolean' },
    topic: { type: 'string' },
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    config: { type: 'string', multiple: true },
    'if-exists': { type: 'boolean' },
    'if-not-exists': { type: 'boolean' },
    'exclude-internal': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) return null;
  const action = exactlyOneAction(flags, ACTIONS);
  if (!flags['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
  if ((action === 'create' || action === 'alter' || action === 'delete') && !flags.topic) throw new UsageError(`--${action} needs --topic`);
  if (action === 'alter' && flags.partitions === undefined) throw new UsageError('--alter needs --partitions');
  if (action !== 'create' && (flags['replication-factor'] !== undefined || flags.config !== undefined)) {
    throw new UsageError('--replication-factor and --config go with --create');
  }
  if (action !== 'create' && action !== 'alter' && flags.partitions !== undefined) throw new UsageError('--partitions goes with --create or --alter');
  if (flags['if-not-exists'] && action !== 'create') throw new UsageError('--if-not-exists goes with --create');
  return {
    bootstrapServer: flags['bootstrap-server'],
    action,
    topic: flags.topic,
    partitions: intFlag(flags.partitions, 'partitions', 1),
    replicationFactor: intFlag(flags['replication-factor'], 'replication-factor', 1, 32767),
    configs: keyValues(flags.config, 'config'),
    ifExists: flags['if-exists'] ?? false,
    ifNotExists: flags['if-not-exists'] ?? false,
    excludeInternal: flags['exclude-internal'] ?? false,
  };
}

async function run(args: readonly string[]): Promise<number> {
  const options = parseOptions(args);
  if (!options) {
    await writeOut(USAGE);
    return 0;
  }
  return withClusterClient(options.bootstrapServer, 'streamwright-topics', 'Error while executing topic command : ', async (client) => {
    const action = { create: createTopic, list: listTopics, describe: describeTopics, alter: alterTopics, delete: deleteTopics }[options.action];
    await action(client, options);
    return 0;
  });
}

export const topicsCommand: Command = { name: 'topics', summary: 'create, list, describe, alter and delete topics', usage: USAGE, run };
