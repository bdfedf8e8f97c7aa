/**
 * Kafka's ACL data model (org.apache.kafka.common.acl / common.resource): the enums with their
 * wire codes, and a binding = resource pattern + access control entry.
 */

export const ResourceType = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 } as const;
export type ResourceType = (typeof ResourceType)[keyof typeof ResourceType];

export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export type PatternType = (typeof PatternType)[keyof typeof PatternType];

export const AclOperation = {
  UNKNOWN: 0, ANY: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8, CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12, CREATE_TOKENS: 13, DESCRIBE_TOKENS: 14,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const AclPermissionType = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

/** The one name of the CLUSTER resource. */
export const CLUSTER_RESOURCE_NAME = 'kafka-cluster';
/** A LITERAL name (or principal, or host) that matches every one. */
export const WILDCARD = '*';

/** One ACL: who (principal, host) may or may not (permission) do what (operation) to which resources (pattern). */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  readonly principal: string;
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** The operations each resource type has (Kafka's AclEntry.supportedOperations); also the authorized-operations bits. */
const OPERATIONS_BY_TYPE: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [ResourceType.TOPIC, [AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.ALTER, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.GROUP, [AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DELETE, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]],
  [ResourceType.CLUSTER, [AclOperation.CREATE, AclOperation.CLUSTER_ACTION, AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.IDEMPOTENT_WRITE, AclOperation.ALTER, AclOperation.DESCRIBE]],
  [ResourceType.TRANSACTIONAL_ID, [AclOperation.DESCRIBE, AclOperation.WRITE]],
  [ResourceType.DELEGATION_TOKEN, [AclOperation.DESCRIBE]],
  [ResourceType.USER, [AclOperation.CREATE_TOKENS, AclOperation.DESCRIBE_TOKENS]],
]);

export function supportedOperations(resourceType: number): readonly number[] {
  return OPERATIONS_BY_TYPE.get(resourceType) ?? [];
}

/** Kafka's name of an enum code (`TOPIC`, `PREFIXED`, `DESCRIBE_CONFIGS`, `ALLOW`), for messages and the CLI. */
export function enumName(values: Readonly<Record<string, number>>, code: number): string {
  return Object.entries(values).find(([, value]) => value === code)?.[0] ?? 'UNKNOWN';
}

/**
 * Why a new ACL is invalid (Kafka's AclControlManager.validateNewAcl and AclApis), or null.
 * A binding must name a concrete type, pattern, operation and permission.
 */
export function invalidAclReason(acl: AclBinding): string | null {
  if (acl.resourceType <= ResourceType.ANY || acl.resourceType > ResourceType.USER) return `Invalid resourceType ${enumName(ResourceType, acl.resourceType)}`;
  if (acl.patternType !== PatternType.LITERAL && acl.patternType !== PatternType.PREFIXED) return `Invalid patternType ${enumName(PatternType, acl.patternType)}`;
  if (acl.operation <= AclOperation.ANY || acl.operation > AclOperation.DESCRIBE_TOKENS) return `Invalid operation ${enumName(AclOperation, acl.operation)}`;
  if (acl.permissionType !== AclPermissionType.ALLOW && acl.permissionType !== AclPermissionType.DENY) return `Invalid permissionType ${enumName(AclPermissionType, acl.permissionType)}`;
  if (acl.resourceName === '') return 'Resource name should not be empty';
  if (acl.resourceType === ResourceType.CLUSTER && acl.resourceName !== CLUSTER_RESOURCE_NAME) return `The only valid name for the CLUSTER resource is ${CLUSTER_RESOURCE_NAME}`;
  if (!/^[^:]+:.+$/.test(acl.principal)) return `Could not parse principal from \`${acl.principal}\` (no colon is present separating the principal type from the principal name)`;
  return null;
}

export function sameAcl(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType && a.resourceName === b.resourceName && a.patternType === b.patternType &&
    a.principal === b.principal && a.host === b.host && a.operation === b.operation && a.permissionType === b.permissionType
  );
}
