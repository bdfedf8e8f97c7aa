// `streamwright configs`: kafka-configs.sh for SCRAM users (AlterUserScramCredentials /
// DescribeUserScramCredentials, KIP-554) and client quotas of users and clients
// (client-quota-configs.ts), against any Kafka broker. Topic and broker entities are not
// handled here yet.
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { SCRAM_MECHANISMS, isScramMechanism, randomSalt, saltedPassword, scramMechanismById, type ScramMechanismName } from '../../broker/security/sasl/scram-credential.js';
import { exactlyOneAction, parseFlags, UsageError } from '../args.js';
import { writeOut, withClusterClient, type Command } from '../command.js';
import { alterClientQuotas, describeClientQuotas, entityArgs, parseQuotaConfigs, QUOTA_CONFIG_KEYS } from './client-quota-configs.js';

const USAGE = `usage: streamwright configs --bootstrap-server HOST:PORT --entity-type users|clients ACTION [options]

Creates, deletes and describes SCRAM credentials of users and client quotas of users and
clients, like Kafka's kafka-configs.sh.

actions (exactly one):
  --alter                 with --add-config and/or --delete-config
  --describe              quotas (and for users the SCRAM mechanisms and iterations) of the
                          entity, or of every entity of the type without --entity-name

options:
  --bootstrap-server S    host:port of a broker; required
  --entity-type T         users or clients; give both (each with its name) for a user's client
  --entity-name NAME      the user or client id, after its --entity-type
  --entity-default        the default user or client instead of a name
  --add-config C          e.g. 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]'
                          or 'producer_byte_rate=1048576,consumer_byte_rate=2097152,request_percentage=50'
  --delete-config C       e.g. 'SCRAM-SHA-512' or 'producer_byte_rate'
  --help                  print this help
`;

/** Splits on commas outside brackets (kafka-configs.sh's rule). */
function splitOutsideBrackets(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** `SCRAM-SHA-256=[iterations=8192,password=…]` → mechanism, iterations (default 4096) and password. */
export function parseScramConfig(entry: string): { mechanism: ScramMechanismName; iterations: number; password: string } {
  const at = entry.indexOf('=');
  const mechanism = entry.slice(0, at).trim();
  if (at <= 0 || !isScramMechanism(mechanism)) throw new UsageError(`only SCRAM-SHA-256 and SCRAM-SHA-512 users are handled, not "${entry.slice(0, at > 0 ? at : undefined)}"`);
  const value = /^\[?(?:iterations=(\d+),)?password=(.*?)\]?$/.exec(entry.slice(at + 1).trim());
  if (!value) throw new UsageError(`${mechanism} needs [iterations=N,password=...] or [password=...]`);
  const iterations = value[1] === undefined ? 4096 : Number(value[1]);
  const { minIterations } = SCRAM_MECHANISMS[mechanism];
  if (iterations < minIterations) throw new UsageError(`Iterations ${iterations} is less than the minimum ${minIterations} required for ${mechanism}`);
  return { mechanism, iterations, password: value[2]! };
}

async function run(args: readonly string[]): Promise<number> {
  const flags = parseFlags(args, {
    'bootstrap-server': { type: 'string' },
    'entity-type': { type: 'string', multiple: true },
    'entity-name': { type: 'string', multiple: true },
    'entity-default': { type: 'boolean', multiple: true },
    'add-config': { type: 'string' },
    'delete-config': { type: 'string' },
    alter: { type: 'boolean' },
    describe: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    await writeOut(USAGE);
    return 0;
  }
  const action = exactlyOneAction(flags, ['alter', 'describe'] as const);
  const bootstrap = flags['bootstrap-server'];
  if (!bootstrap) throw new UsageError('--bootstrap-server is required');
  const entities = entityArgs(args);
  if (entities.length === 0 || entities.some((e) => e.type !== 'users' && e.type !== 'clients')) {
    throw new UsageError('--entity-type users or clients is required (topics and brokers are not handled yet)');
  }
  if (new Set(entities.map((e) => e.type)).size !== entities.length) throw new UsageError('each --entity-type may be given once');
  const added = splitOutsideBrackets(flags['add-config'] ?? '');
  const removed = splitOutsideBrackets(flags['delete-config'] ?? '');
  const isQuota = (entry: string) => QUOTA_CONFIG_KEYS.has(entry.split('=')[0]!.trim());
  const quotaAlter = action === 'alter' && [...added, ...removed].some(isQuota);
  const scramUser = entities.length === 1 && entities[0]!.type === 'users' && typeof entities[0]!.name === 'string';
  if (quotaAlter && ![...added, ...removed].every(isQuota)) throw new UsageError('quota configs and SCRAM credentials are altered in separate commands');
  if (action === 'alter' && !quotaAlter && !scramUser) throw new UsageError('SCRAM credentials are set on one --entity-type users --entity-name NAME');
  if (quotaAlter) {
    const add = parseQuotaConfigs(added);
    return withClusterClient(bootstrap, 'streamwright-configs', 'Error while executing config command with args: ', async (client) => {
      await writeOut(await alterClientQuotas(await client.anyConnection(), entities, add, removed));
      return 0;
    });
  }
  const user = scramUser ? (entities[0]!.name as string) : undefined;
  const upsertions = action === 'alter' ? added.map(parseScramConfig) : [];
  const deletions = action === 'alter' ? removed : [];
  if (action === 'alter') {
    if (!user) throw new UsageError('--alter needs --entity-name');
    if (upsertions.length === 0 && deletions.length === 0) throw new UsageError('--alter needs --add-config or --delete-config');
    for (const d of deletions) if (!isScramMechanism(d)) throw new UsageError(`only SCRAM-SHA-256 and SCRAM-SHA-512 can be deleted, not "${d}"`);
  }
  return withClusterClient(bootstrap, 'streamwright-configs', 'Error while executing config command with args: ', async (client) => {
    const connection = await client.anyConnection();
    if (action === 'alter') {
      const response = await connection.request(ApiKeys.AlterUserScramCredentials, 0, {
        deletions: deletions.map((d) => ({ name: user!, mechanism: SCRAM_MECHANISMS[d as ScramMechanismName].id })),
        upsertions: upsertions.map((u) => {
          const salt = randomSalt();
          return { name: user!, mechanism: SCRAM_MECHANISMS[u.mechanism].id, iterations: u.iterations, salt, saltedPassword: saltedPassword(u.mechanism, u.password, salt, u.iterations) };
        }),
      });
      const failed = response.results.find((r) => r.errorCode !== ErrorCode.NONE);
      if (failed) throw new KafkaProtocolError(failed.errorCode, failed.errorMessage ?? `altering ${failed.user}`);
      await writeOut(`Completed updating config for user ${user}.\n`);
      return 0;
    }
    await writeOut(await describeClientQuotas(connection, entities));
    // As kafka-configs.sh: SCRAM credentials only for users, not for a default or a client.
    if (entities.some((e) => e.type !== 'users' || e.name === null)) return 0;
    const response = await connection.request(ApiKeys.DescribeUserScramCredentials, 0, { users: user ? [{ name: user }] : null });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? 'DescribeUserScramCredentials');
    for (const result of response.results) {
      if (result.errorCode === ErrorCode.RESOURCE_NOT_FOUND) continue;
      if (result.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(result.errorCode, result.errorMessage ?? result.user);
      const infos = result.credentialInfos.map((c) => `${scramMechanismById(c.mechanism)}=iterations=${c.iterations}`).join(', ');
      await writeOut(`SCRAM credential configs for user-principal '${result.user}' are ${infos}\n`);
    }
    return 0;
  });
}

export const configsCommand: Command = { name: 'configs', summary: 'create, delete and describe SCRAM users and client quotas', usage: USAGE, run };
