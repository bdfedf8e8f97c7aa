import { AclOperation, AclPermissionType, PatternType, ResourceType, WILDCARD, type AclBinding } from './acl-binding.js';

/**
 * What DescribeAcls and DeleteAcls select by (Kafka's AclBindingFilter): a null string matches
 * anything, resource type / operation / permission ANY match every value, pattern type ANY
 * matches the exact name with any pattern type and MATCH every pattern that would apply to
 * the name (LITERAL equal, LITERAL `*`, PREFIXED prefix).
 */
export interface AclBindingFilter {
  readonly resourceTypeFilter: number;
  readonly resourceNameFilter: string | null;
  readonly patternTypeFilter: number;
  readonly principalFilter: string | null;
  readonly hostFilter: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** Why a filter cannot be used (it holds an UNKNOWN value), or null. */
export function invalidFilterReason(filter: AclBindingFilter): string | null {
  const unknown =
    filter.resourceTypeFilter === ResourceType.UNKNOWN ||
    filter.patternTypeFilter === PatternType.UNKNOWN ||
    filter.operation === AclOperation.UNKNOWN ||
    filter.permissionType === AclPermissionType.UNKNOWN;
  return unknown ? 'The filter contains UNKNOWN elements' : null;
}

export function filterMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  return patternMatches(filter, acl) && entryMatches(filter, acl);
}

function patternMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.resourceTypeFilter !== ResourceType.ANY && filter.resourceTypeFilter !== acl.resourceType) return false;
  const patternFilter = filter.patternTypeFilter;
  if (patternFilter !== PatternType.ANY && patternFilter !== PatternType.MATCH && patternFilter !== acl.patternType) return false;
  const name = filter.resourceNameFilter;
  if (name === null) return true;
  if (patternFilter === PatternType.ANY || patternFilter === acl.patternType) return name === acl.resourceName;
  // MATCH: the patterns that apply to this name.
  if (acl.patternType === PatternType.LITERAL) return name === acl.resourceName || acl.resourceName === WILDCARD;
  return acl.patternType === PatternType.PREFIXED && name.startsWith(acl.resourceName);
}

function entryMatches(filter: AclBindingFilter, acl: AclBinding): boolean {
  if (filter.principalFilter !== null && filter.principalFilter !== acl.principal) return false;
  if (filter.hostFilter !== null && filter.hostFilter !== acl.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== acl.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === acl.permissionType;
}
