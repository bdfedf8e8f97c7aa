/**
 * Client quota entities and keys as Kafka names them (ClientQuotaEntity, QuotaConfig): an
 * entity is a user, a client id, or both, each either named or the default (name null).
 */
export const USER = 'user';
export const CLIENT_ID = 'client-id';
export const IP = 'ip';

export const PRODUCER_BYTE_RATE = 'producer_byte_rate';
export const CONSUMER_BYTE_RATE = 'consumer_byte_rate';
export const REQUEST_PERCENTAGE = 'request_percentage';

/** The quotas this broker measures and enforces. */
export const QUOTA_KEYS = [PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE, REQUEST_PERCENTAGE] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];

/** Kafka's quota keys this broker does not enforce: refused rather than stored and ignored. */
const UNENFORCED_KEYS = new Set(['controller_mutation_rate', 'connection_creation_rate']);
/** Byte rates are longs in Kafka: fractions are refused. */
const INTEGRAL_KEYS = new Set<string>([PRODUCER_BYTE_RATE, CONSUMER_BYTE_RATE]);

export interface EntityComponent {
  readonly entityType: string;
  readonly entityName: string | null;
}

/** A validated entity: user and/or client-id, each a name or null for the default. */
export type ClientQuotaEntity = readonly EntityComponent[];

export interface ClientQuotaEntry {
  readonly entity: ClientQuotaEntity;
  readonly values: Readonly<Record<string, number>>;
}

/** One key per entity whatever the order of its components (user first). */
export function entityKey(entity: ClientQuotaEntity): string {
  const user = entity.find((c) => c.entityType === USER);
  const client = entity.find((c) => c.entityType === CLIENT_ID);
  return JSON.stringify([user ? [user.entityName] : [], client ? [client.entityName] : []]);
}

/** The same entity with its components in Kafka's order: user, then client-id. */
export function normalizedEntity(entity: ClientQuotaEntity): ClientQuotaEntity {
  return [...entity].sort((a, b) => (a.entityType === USER ? -1 : b.entityType === USER ? 1 : 0)).map((c) => ({ entityType: c.entityType, entityName: c.entityName }));
}

/** Why an AlterClientQuotas entity is invalid (Kafka's ClientQuotaControlManager messages), or null. */
export function entityError(entity: ClientQuotaEntity): string | null {
  if (entity.length === 0) return 'Invalid empty client quota entity';
  const seen = new Set<string>();
  for (const { entityType, entityName } of entity) {
    if (seen.has(entityType)) return `Invalid empty client quota entity, duplicate entity entry ${entityType}`;
    seen.add(entityType);
    if (entityType === IP) return 'IP quotas (connection_creation_rate) are not enforced by this broker';
    if (entityType !== USER && entityType !== CLIENT_ID) return `Unhandled client quota entity type: ${entityType}`;
    if (entityName !== null && entityName === '') return `Empty ${entityType} not supported`;
  }
  return null;
}

/** Why an AlterClientQuotas operation is invalid, or null. */
export function opError(op: { key: string; value: number; remove: boolean }): string | null {
  if (UNENFORCED_KEYS.has(op.key)) return `Quota ${op.key} is not enforced by this broker`;
  if (!(QUOTA_KEYS as readonly string[]).includes(op.key)) return `Invalid configuration key ${op.key}`;
  if (op.remove) return null;
  if (!Number.isFinite(op.value) || op.value <= 0) return `Quota ${op.key} must be greater than 0`;
  if (INTEGRAL_KEYS.has(op.key) && !Number.isInteger(op.value)) return `${op.key} cannot be a fractional value.`;
  return null;
}
