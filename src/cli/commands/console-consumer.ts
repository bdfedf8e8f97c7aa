// `streamwright console-consumer`: prints a topic's records like kafka-console-consumer.sh
// with its DefaultMessageFormatter. It is a simple consumer (no group: positions are not
// committed); `--group` arrives together with consumer groups in the broker.
import { KafkaProtocolError } from '../../protocol/error-codes.js';
import { boolProperty, intFlag, keyValues, parseFlags, UsageError } from '../args.js';
import { errorMessage, onceSignal, writeOut, type Command } from '../command.js';
import { ClusterClient } from '../../client/cluster-client.js';
import { SimpleConsumer, type ConsumedRecord, type StartPosition } from '../../client/simple-consumer.js';
import { CLIENT_VERSION } from '../version.js';

const USAGE = `usage: streamwright console-consumer --bootstrap-server HOST:PORT --topic T [options]

Prints the records of a topic on stdout, one per line, until --max-messages, --timeout-ms
or SIGINT; then "Processed a total of N messages" on stderr.

options:
  --bootstrap-server S   host:port of a broker (comma-separated list allowed); required
  --topic T              the topic; required
  --from-beginning       start at the earliest offset (default: only new records)
  --partition P          read only partition P (default: all partitions)
  --offset O             with --partition: a non-negative offset, earliest or latest
                         (default latest)
  --max-messages N       exit after N records
  --timeout-ms MS        exit when no record arrives for MS milliseconds
  --property KEY=VALUE   output format (repeatable; also accepted as --formatter-property):
                           print.key=true        print.value=false
                           print.timestamp=true  print.partition=true
                           print.offset=true     print.headers=true
                           key.separator=S       default a tab (between all fields)
                           line.separator=S      default a newline
                           headers.separator=S   default ","
                           null.literal=S        default "null"
  --help                 print this help

Consumer groups (--group) are not supported yet: this tool reads partitions directly and
does not commit offsets.
`;

export interface OutputFormat {
  printTimestamp: boolean;
  printKey: boolean;
  printValue: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  keySeparator: Buffer;
  lineSeparator: Buffer;
  headersSeparator: Buffer;
  nullLiteral: Buffer;
}

export function outputFormat(properties: ReadonlyMap<string, string>): OutputFormat {
  const bytes = (name: string, fallback: string) => Buffer.from(properties.get(name) ?? fallback, 'utf8');
  return {
    printTimestamp: boolProperty(properties, 'print.timestamp', false),
    printKey: boolProperty(properties, 'print.key', false),
    printValue: boolProperty(properties, 'print.value', true),
    printPartition: boolProperty(properties, 'print.partition', false),
    printOffset: boolProperty(properties, 'print.offset', false),
    printHeaders: boolProperty(properties, 'print.headers', false),
    keySeparator: bytes('key.separator', '\t'),
    lineSeparator: bytes('line.separator', '\n'),
    headersSeparator: bytes('headers.separator', ','),
    nullLiteral: bytes('null.literal', 'null'),
  };
}

/** Kafka's DefaultMessageFormatter: the enabled fields joined by key.separator, then line.separator. */
export function formatRecord(record: ConsumedRecord, f: OutputFormat): Buffer {
  const fields: Buffer[] = [];
  if (f.printTimestamp) fields.push(Buffer.from(`${record.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}:${record.timestamp}`));
  if (f.printPartition) fields.push(Buffer.from(`Partition:${record.partition}`));
  if (f.printOffset) fields.push(Buffer.from(`Offset:${record.offset}`));
  if (f.printHeaders) {
    if (record.headers.length === 0) fields.push(Buffer.from('NO_HEADERS'));
    else {
      const parts: Buffer[] = [];
      record.headers.forEach((h, i) => {
        if (i > 0) parts.push(f.headersSeparator);
        parts.push(Buffer.from(`${h.key}:`), h.value ?? f.nullLiteral);
      });
      fields.push(Buffer.concat(parts));
    }
  }
  if (f.printKey) fields.push(record.key ?? f.nullLiteral);
  if (f.printValue) fields.push(record.value ?? f.nullLiteral);
  const out: Buffer[] = [];
  fields.forEach((field, i) => {
    if (i > 0) out.push(f.keySeparator);
    out.push(field);
  });
  out.push(f.lineSeparator);
  return Buffer.concat(out);
}

/** Kafka's --offset: earliest, latest or a non-negative number. */
function parseOffset(text: string): StartPosition {
  if (text === 'earliest') return 'earliest';
  if (text === 'latest') return 'latest';
  if (/^\d+$/.test(text)) return BigInt(text);
  throw new UsageError(`The provided offset value is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
}

async function run(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    topic: { type: 'string' },
    'from-beginning': { type: 'boolean' },
    partition: { type: 'string' },
    offset: { type: 'string' },
    'max-messages': { type: 'string' },
    'timeout-ms': { type: 'string' },
    property: { type: 'string', multiple: true },
    'formatter-property': { type: 'string', multiple: true },
    group: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    await writeOut(USAGE);
    return 0;
  }
  if (flags.group !== undefined) throw new UsageError('--group is not supported yet (the broker has no consumer groups); use --from-beginning or --partition/--offset');
  if (!flags['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
  if (!flags.topic) throw new UsageError('--topic is required');
  const partition = intFlag(flags.partition, 'partition', 0);
  const fromBeginning = flags['from-beginning'] ?? false;
  if (partition === undefined && flags.offset !== undefined) throw new UsageError('The partition is required when offset is specified.');
  if (partition !== undefined && fromBeginning && flags.offset !== undefined) throw new UsageError('Options from-beginning and offset cannot be specified together.');
  const start: StartPosition = fromBeginning ? 'earliest' : parseOffset(flags.offset ?? 'latest');
  const maxMessages = intFlag(flags['max-messages'], 'max-messages', 1, Number.MAX_SAFE_INTEGER);
  const timeoutMs = intFlag(flags['timeout-ms'], 'timeout-ms', 0, Number.MAX_SAFE_INTEGER);
  const format = outputFormat(keyValues([...(flags.property ?? []), ...(flags['formatter-property'] ?? [])], 'property'));

  let stopped = false;
  const signal = onceSignal(['SIGINT', 'SIGTERM']);
  void signal.promise.then(() => (stopped = true));
  let count = 0;
  let client: ClusterClient | null = null;
  let exitCode = 0;
  try {
    client = await ClusterClient.connect({ bootstrapServers: flags['bootstrap-server'], clientId: 'console-consumer', softwareVersion: CLIENT_VERSION });
    const consumer = new SimpleConsumer(client, {
      topic: flags.topic,
      partitions: partition === undefined ? undefined : [partition],
      start,
      resetTo: fromBeginning ? 'earliest' : 'latest',
      onWarning: (message) => process.stderr.write(`[WARN] ${message}\n`),
    });
    let lastActivity = Date.now();
    const remaining = () => (timeoutMs === undefined ? Infinity : lastActivity + timeoutMs - Date.now());
    try {
      await consumer.start({ timeoutMs: timeoutMs, stopped: () => stopped });
    } catch (error) {
      // --timeout-ms (and SIGINT) also end the wait for a topic that does not exist (yet).
      const waiting = error instanceof KafkaProtocolError && error.retriable;
      if (!stopped && !(waiting && timeoutMs !== undefined)) throw error;
      stopped = true;
    }
    while (!stopped && (maxMessages === undefined || count < maxMessages)) {
      const wait = Math.min(500, remaining());
      if (wait <= 0) break;
      let records = await consumer.poll(Math.max(1, Math.floor(wait)));
      if (records.length === 0) continue;
      lastActivity = Date.now();
      if (maxMessages !== undefined) records = records.slice(0, maxMessages - count);
      count += records.length;
      await writeOut(Buffer.concat(records.map((r) => formatRecord(r, format))));
    }
  } catch (error) {
    process.stderr.write(`Error processing message, terminating consumer process: ${errorMessage(error)}\n`);
    exitCode = 1;
  } finally {
    signal.dispose();
    client?.close();
  }
  process.stderr.write(`Processed a total of ${count} messages\n`);
  return exitCode;
}

export const consoleConsumerCommand: Command = { name: 'console-consumer', summary: 'print the records of a topic', usage: USAGE, run };
