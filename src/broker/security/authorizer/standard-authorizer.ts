import { AclOperation, AclPermissionType, PatternType, WILDCARD, supportedOperations, type AclBinding } from './acl-binding.js';
import type { AuthorizerSettings } from './authorizer-config.js';

/** Where the ACLs live (the cluster metadata, so every broker of a cluster sees the same ones). */
export interface AclSource {
  acls(): readonly AclBinding[];
}

/** Who asks: `User:alice` and the client's IP address. */
export interface Requester {
  readonly principal: string;
  readonly host: string;
}

/** The operations an ALLOW of each operation also allows (Kafka's AclOperation javadoc). */
const IMPLIED_BY: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [AclOperation.DESCRIBE, [AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER]],
  [AclOperation.DESCRIBE_CONFIGS, [AclOperation.ALTER_CONFIGS]],
]);

/**
 * Kafka's StandardAuthorizer rules: super users are allowed everything; otherwise the ACLs whose
 * pattern matches the resource (LITERAL name, LITERAL `*`, PREFIXED prefix) and whose entry
 * matches the requester (principal or `User:*`, host or `*`) decide, a DENY winning over any
 * ALLOW; a resource no ACL mentions gets allow.everyone.if.no.acl.found.
 */
export class StandardAuthorizer {
  constructor(
    private readonly settings: AuthorizerSettings,
    private readonly source: AclSource,
  ) {}

  authorize(requester: Requester, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.settings.superUsers.has(requester.principal)) return true;
    let resourceHasAcls = false;
    let allowed = false;
    for (const acl of this.source.acls()) {
      if (acl.resourceType !== resourceType || !patternApplies(acl, resourceName)) continue;
      resourceHasAcls = true;
      if (!entryApplies(acl, requester)) continue;
      if (acl.permissionType === AclPermissionType.DENY) {
        // A DENY covers its own operation (or ALL), never the operations it would imply.
        if (acl.operation === operation || acl.operation === AclOperation.ALL) return false;
      } else if (allows(acl.operation, operation)) {
        allowed = true;
      }
    }
    return allowed || (!resourceHasAcls && this.settings.allowEveryoneIfNoAclFound);
  }

  /**
   * Whether the requester may do `operation` on some resource of the type (Kafka's
   * authorizeByResourceType, used by InitProducerId without a transactional id): an ALLOW of
   * it for the requester that no DENY of every resource (LITERAL `*`) cancels.
   */
  authorizeAny(requester: Requester, operation: number, resourceType: number): boolean {
    if (this.settings.superUsers.has(requester.principal)) return true;
    const ofType = this.source.acls().filter((acl) => acl.resourceType === resourceType);
    if (ofType.length === 0) return this.settings.allowEveryoneIfNoAclFound;
    const mine = ofType.filter((acl) => entryApplies(acl, requester));
    const deniedEverywhere = mine.some(
      (acl) => acl.permissionType === AclPermissionType.DENY && acl.patternType === PatternType.LITERAL && acl.resourceName === WILDCARD && (acl.operation === operation || acl.operation === AclOperation.ALL),
    );
    return !deniedEverywhere && mine.some((acl) => acl.permissionType === AclPermissionType.ALLOW && allows(acl.operation, operation));
  }

  /** KIP-430's bit set: bit n set when operation n of the type is allowed. */
  authorizedOperations(requester: Requester, resourceType: number, resourceName: string): number {
    let bits = 0;
    for (const operation of supportedOperations(resourceType)) {
      if (this.authorize(requester, operation, resourceType, resourceName)) bits |= 1 << operation;
    }
    return bits;
  }
}

function patternApplies(acl: AclBinding, name: string): boolean {
  if (acl.patternType === PatternType.LITERAL) return acl.resourceName === name || acl.resourceName === WILDCARD;
  return acl.patternType === PatternType.PREFIXED && name.startsWith(acl.resourceName);
}

function entryApplies(acl: AclBinding, requester: Requester): boolean {
  const principalMatches = acl.principal === requester.principal || acl.principal === `User:${WILDCARD}`;
  return principalMatches && (acl.host === WILDCARD || acl.host === requester.host);
}

function allows(granted: number, wanted: number): boolean {
  return granted === wanted || granted === AclOperation.ALL || (IMPLIED_BY.get(wanted)?.includes(granted) ?? false);
}
