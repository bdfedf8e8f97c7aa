// `streamwright consumer-groups`: kafka-consumer-groups.sh's list/describe/delete/reset-offsets,
// with its output, against any Kafka broker.
import { errorName } from '../../protocol/error-codes.js';
import { exactlyOneAction, intFlag, parseFlags, UsageError } from '../args.js';
import { writeOut, type Command, withClusterClient } from '../command.js';
import { GroupAdminClient, tpKey, type CommittedOffsets, type GroupDescription } from './group-admin-client.js';

const USAGE = `usage: streamwright consumer-groups --bootstrap-server HOST:PORT ACTION [options]

Lists, describes, deletes consumer groups and resets their offsets, like Kafka's
kafka-consumer-groups.sh.

actions (exactly one):
  --list                list the consumer groups
  --describe            committed offsets, log end offsets, lag and owner of each partition
  --delete              delete --group (only groups without active members)
  --reset-offsets       set the committed offsets of --group (inactive groups only)

options:
  --bootstrap-server S  host:port of a broker (comma-separated list allowed); required
  --group G             the group (repeatable for --describe and --delete)
  --topic T             --reset-offsets: the topic, or T:0,1,2 for some partitions (repeatable)
  --to-earliest         reset to the log start offset
  --to-latest           reset to the log end offset
  --to-offset N         reset to N (kept within the log)
  --to-datetime ISO     reset to the first offset at or after a time, e.g. 2024-01-01T00:00:00.000
  --shift-by N          move the committed offsets by N (may be negative)
  --execute             really reset (without it, or with --dry-run, only print the plan)
  --dry-run             print the new offsets without committing them
  --help                print this help
`;

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets'] as const;
type Action = (typeof ACTIONS)[number];
const RESETS = ['to-earliest', 'to-latest', 'to-offset', 'to-datetime', 'shift-by'] as const;
type Reset = (typeof RESETS)[number];

const MISSING = '-';
const LATEST = -1;
const EARLIEST = -2;

interface Options {
  bootstrapServer: string;
  action: Action;
  groups: string[];
  topics: Array<{ topic: string; partitions: number[] | null }>;
  reset?: { kind: Reset; value?: number };
  execute: boolean;
  dryRun: boolean;
}

/** Left-aligns each column to the width Kafka's tool computes (at least 15 for the free-width ones). */
function row(values: readonly string[], widths: readonly number[]): string {
  return values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!))).join(' ');
}

async function describeGroups(admin: GroupAdminClient, groups: readonly string[]): Promise<void> {
  for (const groupId of groups) {
    const description = await admin.describeGroup(groupId);
    const committed = await admin.committedOffsets(groupId);
    const rows = await offsetRows(admin, description, committed);
    if (description.state === 'Dead') {
      process.stderr.write(`Error: Consumer group '${groupId}' does not exist.\n`);
      continue;
    }
    if (description.state === 'Empty') process.stderr.write(`\nConsumer group '${groupId}' has no active members.\n`);
    else if (description.state !== 'Stable') process.stderr.write(`\nWarning: Consumer group '${groupId}' is rebalancing.\n`);
    if (rows.length === 0) continue;
    const header = ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'];
    const width = (i: number) => Math.max(15, ...rows.map((r) => r[i]!.length));
    const widths = [width(0), width(1), 10, 15, 15, 15, width(6), width(7)];
    await writeOut(`\n${row(header, widths)}${rows.map((r) => `\n${row(r, widths)}`).join('')}\n`);
  }
}

/**
 * One row per partition: first the members' partitions (members with the most first), then
 * partitions with a committed offset that nobody owns, with "-" for the owner columns.
 */
async function offsetRows(admin: GroupAdminClient, group: GroupDescription, committed: CommittedOffsets): Promise<string[][]> {
  const owned = new Set<string>();
  const sections: Array<{ topic: string; partitions: number[]; owner: [string, string, string] }> = [];
  const members = [...group.members].filter((m) => m.assignment.size > 0).sort((a, b) => count(b.assignment) - count(a.assignment));
  for (const member of members) {
    for (const [topic, partitions] of member.assignment) {
      for (const p of partitions) owned.add(tpKey(topic, p));
      sections.push({ topic, partitions: [...partitions].sort((a, b) => a - b), owner: [member.memberId, member.host, member.clientId] });
    }
  }
  const unowned = new Map<string, number[]>();
  for (const c of committed.values()) if (!owned.has(tpKey(c.topic, c.partition))) unowned.set(c.topic, [...(unowned.get(c.topic) ?? []), c.partition]);
  for (const [topic, partitions] of [...unowned].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    sections.push({ topic, partitions: partitions.sort((a, b) => a - b), owner: [MISSING, MISSING, MISSING] });
  }
  const rows: string[][] = [];
  const existing = await admin.existingTopics([...new Set(sections.map((s) => s.topic))]);
  for (const section of sections) {
    const ends = existing.has(section.topic) ? await admin.listOffsets(section.topic, section.partitions, LATEST) : new Map<number, number>();
    for (const p of section.partitions) {
      const current = committed.get(tpKey(section.topic, p))?.offset;
      const end = ends.get(p);
      const lag = current !== undefined && end !== undefined ? String(end - current) : MISSING;
      rows.push([group.groupId, section.topic, String(p), current === undefined ? MISSING : String(current), end === undefined ? MISSING : String(end), lag, ...section.owner]);
    }
  }
  return rows;
}

const count = (assignment: Map<string, number[]>) => [...assignment.values()].reduce((n, ps) => n + ps.length, 0);

async function resetOffsets(admin: GroupAdminClient, options: Options): Promise<number> {
  const groupId = options.groups[0]!;
  const description = await admin.describeGroup(groupId);
  if (description.state !== 'Empty' && description.state !== 'Dead') {
    process.stderr.write(`Error: Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${description.state}.\n`);
    return 1;
  }
  const committed = await admin.committedOffsets(groupId);
  const planned: Array<{ topic: string; partition: number; offset: number }> = [];
  for (const spec of options.topics) {
    const partitions = spec.partitions ?? (await admin.partitionsOf(spec.topic));
    const earliest = await admin.listOffsets(spec.topic, partitions, EARLIEST);
    const latest = await admin.listOffsets(spec.topic, partitions, LATEST);
    // Kafka keeps a requested offset within the log.
    const clamp = (p: number, offset: number) => Math.min(Math.max(offset, earliest.get(p)!), latest.get(p)!);
    const reset = options.reset!;
    let target: Map<number, number>;
    if (reset.kind === 'to-earliest') target = earliest;
    else if (reset.kind === 'to-latest') target = latest;
    else if (reset.kind === 'to-offset') target = new Map(partitions.map((p) => [p, clamp(p, reset.value!)]));
    else if (reset.kind === 'to-datetime') {
      const found = await admin.listOffsets(spec.topic, partitions, reset.value!);
      target = new Map(partitions.map((p) => [p, found.get(p)! < 0 ? latest.get(p)! : found.get(p)!]));
    } else {
      target = new Map(partitions.map((p) => {
        const current = committed.get(tpKey(spec.topic, p))?.offset;
        if (current === undefined) throw new Error(`Cannot shift offset for partition ${spec.topic}-${p} since there is no current committed offset`);
        return [p, clamp(p, current + reset.value!)];
      }));
    }
    for (const p of partitions) planned.push({ topic: spec.topic, partition: p, offset: target.get(p)! });
  }
  if (!options.execute && !options.dryRun) {
    process.stderr.write('WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behavior without the warning.\n');
  }
  if (options.execute) await admin.commitOffsets(groupId, planned);
  const widths = [30, 30, 10];
  const lines = planned.map((o) => `\n${row([groupId, o.topic, String(o.partition), String(o.offset)], widths)}`);
  await writeOut(`\n${row(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], widths)}${lines.join('')}\n`);
  return 0;
}

async function deleteGroups(admin: GroupAdminClient, groups: readonly string[]): Promise<number> {
  const failures: string[] = [];
  for (const groupId of groups) {
    const errorCode = await admin.deleteGroup(groupId);
    if (errorCode !== 0) failures.push(`* Group '${groupId}' could not be deleted due to: ${errorName(errorCode)}`);
  }
  const quoted = groups.map((g) => `'${g}'`).join(', ');
  if (failures.length === 0) {
    await writeOut(`Deletion of requested consumer groups (${quoted}) was successful.\n`);
    return 0;
  }
  process.stderr.write(`Deletion of some consumer groups failed:\n${failures.join('\n')}\n`);
  return 1;
}

function parseOptions(args: readonly string[]): Options | null {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    list: { type: 'boolean' },
    describe: { type: 'boolean' },
    delete: { type: 'boolean' },
    'reset-offsets': { type: 'boolean' },
    group: { type: 'string', multiple: true },
    topic: { type: 'string', multiple: true },
    'to-earliest': { type: 'boolean' },
    'to-latest': { type: 'boolean' },
    'to-offset': { type: 'string' },
    'to-datetime': { type: 'string' },
    'shift-by': { type: 'string' },
    execute: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    offsets: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) return null;
  const action = exactlyOneAction(flags, ACTIONS);
  if (!flags['bootstrap-server']) throw new UsageError('--bootstrap-server is required');
  const groups = flags.group ?? [];
  if (action !== 'list' && groups.length === 0) throw new UsageError(`--${action} needs --group`);
  if (action === 'reset-offsets' && groups.length !== 1) throw new UsageError('--reset-offsets takes one --group');
  const resets = RESETS.filter((r) => flags[r] !== undefined && flags[r] !== false);
  let reset: Options['reset'];
  if (action === 'reset-offsets') {
    if (resets.length !== 1) throw new UsageError(`--reset-offsets needs exactly one of --${RESETS.join(', --')}`);
    if ((flags.topic ?? []).length === 0) throw new UsageError('--reset-offsets needs --topic');
    const kind = resets[0]!;
    if (kind === 'to-offset') reset = { kind, value: intFlag(flags['to-offset'], 'to-offset', 0, Number.MAX_SAFE_INTEGER) };
    else if (kind === 'shift-by') reset = { kind, value: intFlag(flags['shift-by'], 'shift-by', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) };
    else if (kind === 'to-datetime') {
      const time = Date.parse(flags['to-datetime']!);
      if (Number.isNaN(time)) throw new UsageError(`--to-datetime expects yyyy-MM-ddTHH:mm:SS.sss, got "${flags['to-datetime']}"`);
      reset = { kind, value: time };
    } else reset = { kind };
    if (flags.execute && flags['dry-run']) throw new UsageError('--execute and --dry-run exclude each other');
  } else if (resets.length > 0 || flags.execute || flags['dry-run'] || flags.topic) {
    throw new UsageError('--topic, --to-*, --shift-by, --execute and --dry-run go with --reset-offsets');
  }
  const topics = (flags.topic ?? []).map((spec) => {
    const colon = spec.indexOf(':');
    if (colon < 0) return { topic: spec, partitions: null };
    const partitions = spec.slice(colon + 1).split(',').map((p) => intFlag(p, 'topic', 0)!);
    return { topic: spec.slice(0, colon), partitions };
  });
  return { bootstrapServer: flags['bootstrap-server'], action, groups, topics, reset, execute: flags.execute ?? false, dryRun: flags['dry-run'] ?? false };
}

async function run(args: readonly string[]): Promise<number> {
  const options = parseOptions(args);
  if (!options) {
    await writeOut(USAGE);
    return 0;
  }
  return withClusterClient(options.bootstrapServer, 'streamwright-consumer-groups', 'Error: Executing consumer group command failed due to ', async (client) => {
    const admin = new GroupAdminClient(client);
    switch (options.action) {
      case 'list':
        await writeOut((await admin.listGroups()).map((g) => `${g}\n`).join(''));
        return 0;
      case 'describe':
        await describeGroups(admin, options.groups);
        return 0;
      case 'delete':
        return await deleteGroups(admin, options.groups);
      case 'reset-offsets':
        return await resetOffsets(admin, options);
    }
    return 2;
  });
}

export const consumerGroupsCommand: Command = { name: 'consumer-groups', summary: 'list, describe, delete consumer groups and reset offsets', usage: USAGE, run };
