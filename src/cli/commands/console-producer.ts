// `streamwright console-producer`: stdin lines → records, like kafka-console-producer.sh with
// its default LineMessageReader (parse.key, key.separator, parse.headers, null.marker, ...).
import { createInterface } from 'node:readline';
import { CompressionType } from '../../protocol/compression/index.js';
import { boolProperty, intFlag, keyValues, parseFlags, UsageError } from '../args.js';
import { errorMessage, writeOut, type Command } from '../command.js';
import { ClusterClient } from '../../client/cluster-client.js';
import { Producer, type ProducerRecord } from '../../client/producer.js';
import { CLIENT_VERSION } from '../version.js';

const USAGE = `usage: streamwright console-producer --bootstrap-server HOST:PORT --topic T [options]

Reads lines from stdin and sends each one as a record. Exits 0 once stdin ends and every
record is acknowledged; 1 if a record could not be written.

options:
  --bootstrap-server S       host:port of a broker (comma-separated list allowed); required
  --topic T                  the topic; required
  --property KEY=VALUE       line parsing (repeatable):
                               parse.key=true          split "key<key.separator>value"
                               key.separator=S         default a tab
                               parse.headers=true      lines start with "h1:v1,h2:v2<headers.delimiter>"
                               headers.delimiter=S     default a tab
                               headers.separator=S     default ","
                               headers.key.separator=S default ":"
                               null.marker=S           a key, value or header value equal to it is null
                               ignore.error=true       a line without separator is not an error
  --request-required-acks A  -1 or all (default), 1, or 0
  --request-timeout-ms MS    how long the broker may wait for acks (default 30000)
  --timeout MS               linger: how long a record waits for more to batch with (default 5)
  --batch-size BYTES         batch size per partition (default 16384)
  --compression-codec C      none (default), gzip, snappy, lz4 or zstd
  --message-send-max-retries N  retries of retriable errors (default 3)
  --retry-backoff-ms MS      wait between retries (default 100)
  --max-block-ms MS          how long to wait for the topic's metadata (default 60000)
  --sync                     send each line on its own and wait for its ack
  --help                     print this help
`;

export interface LineFormat {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  ignoreError: boolean;
  nullMarker: string | undefined;
}

export function lineFormat(properties: ReadonlyMap<string, string>): LineFormat {
  const format: LineFormat = {
    parseKey: boolProperty(properties, 'parse.key', false),
    keySeparator: properties.get('key.separator') ?? '\t',
    parseHeaders: boolProperty(properties, 'parse.headers', false),
    headersDelimiter: properties.get('headers.delimiter') ?? '\t',
    headersSeparator: properties.get('headers.separator') ?? ',',
    headersKeySeparator: properties.get('headers.key.separator') ?? ':',
    ignoreError: boolProperty(properties, 'ignore.error', false),
    nullMarker: properties.get('null.marker'),
  };
  const distinct: Array<[keyof LineFormat, keyof LineFormat]> = [
    ['headersDelimiter', 'headersSeparator'],
    ['headersDelimiter', 'headersKeySeparator'],
    ['headersSeparator', 'headersKeySeparator'],
  ];
  const names: Partial<Record<keyof LineFormat, string>> = {
    headersDelimiter: 'headers.delimiter',
    headersSeparator: 'headers.separator',
    headersKeySeparator: 'headers.key.separator',
    keySeparator: 'key.separator',
  };
  for (const [a, b] of distinct) if (format[a] === format[b]) throw new UsageError(`${names[a]} and ${names[b]} may not be equal`);
  if (format.nullMarker !== undefined) {
    for (const k of ['keySeparator', 'headersSeparator', 'headersDelimiter', 'headersKeySeparator'] as const) {
      if (format[k] === format.nullMarker) throw new UsageError(`null.marker and ${names[k]} may not be equal`);
    }
  }
  return format;
}

/** Kafka's LineMessageReader: `[headers<delimiter>][key<separator>]value`. */
export function parseLine(line: string, lineNumber: number, format: LineFormat): ProducerRecord {
  const part = (enabled: boolean, start: number, demarcation: string, what: string): string | null => {
    if (!enabled) return null;
    const index = line.indexOf(demarcation, start);
    if (index === -1) {
      if (format.ignoreError) return null;
      throw new Error(`No ${what} found on line number ${lineNumber}: '${line}'`);
    }
    return line.slice(start, index);
  };
  const headers = part(format.parseHeaders, 0, format.headersDelimiter, 'headers delimiter');
  const headerOffset = headers === null ? 0 : headers.length + format.headersDelimiter.length;
  const key = part(format.parseKey, headerOffset, format.keySeparator, 'key separator');
  const keyOffset = key === null ? 0 : key.length + format.keySeparator.length;
  const value = line.slice(headerOffset + keyOffset);
  const bytes = (s: string | null) => (s === null || s === format.nullMarker ? null : Buffer.from(s, 'utf8'));
  const record: ProducerRecord = { key: bytes(key), value: bytes(value) };
  if (headers !== null && headers !== format.nullMarker) {
    record.headers = headers.split(format.headersSeparator).map((pair) => {
      const i = pair.indexOf(format.headersKeySeparator);
      if (i === -1) {
        if (format.ignoreError) return { key: pair, value: null };
        throw new Error(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
      }
      const headerKey = pair.slice(0, i);
      if (headerKey === format.nullMarker) throw new Error(`Header keys should not be equal to the null marker '${format.nullMarker}' as they can't be null`);
      return { key: headerKey, value: bytes(pair.slice(i + format.headersKeySeparator.length)) };
    });
  }
  return record;
}

const CODECS: Record<string, number> = {
  none: CompressionType.None,
  gzip: CompressionType.Gzip,
  snappy: CompressionType.Snappy,
  lz4: CompressionType.Lz4,
  zstd: CompressionType.Zstd,
};

async function run(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    topic: { type: 'string' },
    property: { type: 'string', multiple: true },
    'request-required-acks': { type: 'string' },
    'request-timeout-ms': { type: 'string' },
    timeout: { type: 'string' },
    'batch-size': { type: 'string' },
    'compression-codec': { type: 'string' },
    'message-send-max-retries': { type: 'string' },
    'retry-backoff-ms': { type: 'string' },
    'max-block-ms': { type: 'string' },
    sync: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    await writeOut(USAGE);
    return 0;
  }
  if (!flags['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
  if (!flags.topic) throw new UsageError('--topic is required');
  const topic = flags.topic;
  const acksText = flags['request-required-acks'] ?? '-1';
  const acks = acksText === 'all' ? -1 : intFlag(acksText, 'request-required-acks', -1, 1)!;
  const compression = CODECS[flags['compression-codec'] ?? 'none'];
  if (compression === undefined) throw new UsageError(`--compression-codec must be one of ${Object.keys(CODECS).join(', ')}`);
  const format = lineFormat(keyValues(flags.property, 'property'));
  const sync = flags.sync ?? false;

  let client: ClusterClient | null = null;
  let failed: number;
  try {
    client = await ClusterClient.connect({ bootstrapServers: flags['bootstrap-server'], clientId: 'console-producer', softwareVersion: CLIENT_VERSION });
    const producer = new Producer(client, {
      acks,
      compression,
      timeoutMs: intFlag(flags['request-timeout-ms'], 'request-timeout-ms', 1) ?? 30_000,
      lingerMs: intFlag(flags.timeout, 'timeout', 0) ?? 5,
      batchBytes: intFlag(flags['batch-size'], 'batch-size', 1) ?? 16_384,
      retries: intFlag(flags['message-send-max-retries'], 'message-send-max-retries', 0) ?? 3,
      retryBackoffMs: intFlag(flags['retry-backoff-ms'], 'retry-backoff-ms', 0) ?? 100,
      maxBlockMs: intFlag(flags['max-block-ms'], 'max-block-ms', 0) ?? 60_000,
      onError: (error, errorTopic, _partition, records) => {
        for (const r of records) {
          process.stderr.write(
            `Error when sending message to topic ${errorTopic} with key: ${r.key === null ? 'null' : `${r.key.length} bytes`}, ` +
              `value: ${r.value === null ? 'null' : `${r.value.length} bytes`} with error: ${errorMessage(error)}\n`,
          );
        }
      },
    });
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    let lineNumber = 0;
    try {
      for await (const line of lines) {
        const record = parseLine(line, ++lineNumber, format);
        await producer.send(topic, record);
        if (sync) await producer.flush();
      }
    } finally {
      lines.close();
      // Whatever was read before an error still gets written.
      await producer.flush();
    }
    failed = producer.failedCount;
  } catch (error) {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    client?.close();
  }
  return failed > 0 ? 1 : 0;
}

export const consoleProducerCommand: Command = { name: 'console-producer', summary: 'send stdin lines to a topic', usage: USAGE, run };
