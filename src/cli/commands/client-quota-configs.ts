// kafka-configs.sh's client quota side (AlterClientQuotas / DescribeClientQuotas, KIP-546):
// entities of users and/or clients, named or default, and the lines Kafka's tool prints.
import type { KafkaConnection } from '../../client/kafka-connection.js';
import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { UsageError } from '../args.js';

/** The quota keys kafka-configs.sh takes for users and clients. */
export const QUOTA_CONFIG_KEYS = new Set(['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate']);

const ENTITY_TYPES: Record<string, string> = { users: 'user', clients: 'client-id' };
const DESCRIBED_AS: Record<string, string> = { user: 'user-principal', 'client-id': 'client-id', ip: 'ip' };

/** One `--entity-type` with its `--entity-name` (a name) or `--entity-default` (null). */
export interface EntityArg {
  readonly type: string;
  readonly name: string | null | undefined;
}

/**
 * Pairs each `--entity-type` with the `--entity-name`/`--entity-default` given after it, in
 * order, as kafka-configs.sh does (`--entity-type users --entity-name alice --entity-type
 * clients --entity-default`).
 */
export function entityArgs(args: readonly string[]): EntityArg[] {
  const types: string[] = [];
  const names: Array<string | null> = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.includes('=') && args[i]!.startsWith('--') ? [args[i]!.slice(0, args[i]!.indexOf('=')), args[i]!.slice(args[i]!.indexOf('=') + 1)] : [args[i]!, undefined];
    if (flag === '--entity-type') types.push(inline ?? args[++i] ?? '');
    else if (flag === '--entity-name') names.push(inline ?? args[++i] ?? '');
    else if (flag === '--entity-default') names.push(null);
  }
  if (names.length > types.length) throw new UsageError('each --entity-name or --entity-default follows its --entity-type');
  return types.map((type, i) => ({ type, name: names[i] }));
}

/** `key=value` quota settings of --add-config. */
export function parseQuotaConfigs(entries: readonly string[]): Array<{ key: string; value: number }> {
  return entries.map((entry) => {
    const at = entry.indexOf('=');
    const key = entry.slice(0, at).trim();
    const value = Number(entry.slice(at + 1).trim());
    if (at <= 0 || !QUOTA_CONFIG_KEYS.has(key)) throw new UsageError(`unknown quota config "${at > 0 ? key : entry}" (expected one of ${[...QUOTA_CONFIG_KEYS].join(', ')})`);
    if (entry.slice(at + 1).trim() === '' || !Number.isFinite(value)) throw new UsageError(`${key} needs a number, got "${entry.slice(at + 1)}"`);
    return { key, value };
  });
}

/** The request's entity: user and client-id components, names or null for defaults. */
function requestEntity(entities: readonly EntityArg[]) {
  return entities.map((e) => {
    const entityType = ENTITY_TYPES[e.type];
    if (!entityType) throw new UsageError(`--entity-type ${e.type}: quotas are set on users and clients`);
    return { entityType, entityName: e.name ?? null };
  });
}

/** Java's Double.toString, which kafka-configs.sh prints quota values with (1048576.0, 1.0E7). */
export function javaDouble(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0 || (abs >= 1e-3 && abs < 1e7)) return Number.isInteger(value) ? `${value}.0` : String(value);
  const [mantissa, exponent] = value.toExponential().split('e');
  return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

export async function alterClientQuotas(connection: KafkaConnection, entities: readonly EntityArg[], add: ReadonlyArray<{ key: string; value: number }>, remove: readonly string[]): Promise<string> {
  if (entities.some((e) => e.name === undefined)) throw new UsageError('--alter needs --entity-name or --entity-default for every --entity-type');
  const entity = requestEntity(entities);
  const response = await connection.request(ApiKeys.AlterClientQuotas, connection.versionFor(ApiKeys.AlterClientQuotas), {
    entries: [{ entity, ops: [...add.map((a) => ({ key: a.key, value: a.value, remove: false })), ...remove.map((key) => ({ key, value: 0, remove: true }))] }],
    validateOnly: false,
  });
  const failed = response.entries.find((e) => e.errorCode !== ErrorCode.NONE);
  if (failed) throw new KafkaProtocolError(failed.errorCode, failed.errorMessage ?? 'AlterClientQuotas');
  const head = entities[0]!;
  return head.name === null ? `Completed updating default config for ${head.type} in the cluster.\n` : `Completed updating config for ${head.type.slice(0, -1)} ${head.name}.\n`;
}

/** `Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=1048576.0`, one line per entity. */
export async function describeClientQuotas(connection: KafkaConnection, entities: readonly EntityArg[]): Promise<string> {
  const components = requestEntity(entities).map((c, i) => {
    const name = entities[i]!.name;
    return name === undefined ? { entityType: c.entityType, matchType: 2, match: null } : name === null ? { entityType: c.entityType, matchType: 1, match: null } : { entityType: c.entityType, matchType: 0, match: name };
  });
  const response = await connection.request(ApiKeys.DescribeClientQuotas, connection.versionFor(ApiKeys.DescribeClientQuotas), { components, strict: true });
  if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? 'DescribeClientQuotas');
  return (response.entries ?? [])
    .map(({ entity, values }) => {
      const order = ['user', 'client-id', 'ip'];
      const who = [...entity]
        .sort((a, b) => order.indexOf(a.entityType) - order.indexOf(b.entityType))
        .map((e) => (e.entityName === null ? `the default ${DESCRIBED_AS[e.entityType] ?? e.entityType}` : `${DESCRIBED_AS[e.entityType] ?? e.entityType} '${e.entityName}'`))
        .join(', ');
      return `Quota configs for ${who} are ${values.map((v) => `${v.key}=${javaDouble(v.value)}`).join(', ')}\n`;
    })
    .join('');
}
