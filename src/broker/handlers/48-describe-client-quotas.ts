import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys, type DescribeClientQuotasRequest } from '../../protocol/generated/messages.js';
import { CLIENT_ID, IP, USER, normalizedEntity, type ClientQuotaEntity } from '../quota/client-quota-entity.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'auth'>;

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

type Component = DescribeClientQuotasRequest['components'][number];

/** Why a filter is invalid (Kafka's ClientQuotasImage.describe messages), or null. */
function filterError(components: readonly Component[]): { code: number; message: string } | null {
  const seen = new Set<string>();
  for (const c of components) {
    if (c.matchType === MATCH_EXACT && c.match === null) return { code: ErrorCode.INVALID_REQUEST, message: 'Request specified MATCH_TYPE_EXACT, but set match string to null' };
    if (c.matchType === MATCH_DEFAULT && c.match !== null) return { code: ErrorCode.INVALID_REQUEST, message: 'Request specified MATCH_TYPE_DEFAULT, but also specified a match string' };
    if (c.matchType === MATCH_SPECIFIED && c.match !== null) return { code: ErrorCode.INVALID_REQUEST, message: 'Request specified MATCH_TYPE_SPECIFIED, but also specified a match string' };
    if (c.matchType < MATCH_EXACT || c.matchType > MATCH_SPECIFIED) return { code: ErrorCode.UNSUPPORTED_VERSION, message: `Unsupported match type ${c.matchType}` };
    if (c.entityType !== USER && c.entityType !== CLIENT_ID && c.entityType !== IP) return { code: ErrorCode.INVALID_REQUEST, message: `Custom entity type ${c.entityType} not supported` };
    if (seen.has(c.entityType)) return { code: ErrorCode.INVALID_REQUEST, message: `Entity type ${c.entityType} cannot appear more than once in the filter.` };
    seen.add(c.entityType);
  }
  if (seen.has(IP) && (seen.has(USER) || seen.has(CLIENT_ID))) {
    return { code: ErrorCode.INVALID_REQUEST, message: 'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.' };
  }
  return null;
}

function matches(entity: ClientQuotaEntity, components: readonly Component[], strict: boolean): boolean {
  for (const c of components) {
    const own = entity.find((e) => e.entityType === c.entityType);
    if (!own) return false;
    if (c.matchType === MATCH_EXACT && own.entityName !== c.match) return false;
    if (c.matchType === MATCH_DEFAULT && own.entityName !== null) return false;
    if (c.matchType === MATCH_SPECIFIED && own.entityName === null) return false;
  }
  return !strict || entity.every((e) => components.some((c) => c.entityType === e.entityType));
}

/**
 * DescribeClientQuotas v0-1 (KIP-546): the quotas of every entity the filter matches. Each
 * component names an entity type and matches one name (EXACT), the default (DEFAULT) or any
 * name (SPECIFIED); `strict` leaves out entities with other types as well. Needs
 * DESCRIBE_CONFIGS on the cluster, as in Kafka.
 */
export function describeClientQuotasHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeClientQuotas,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.DESCRIBE_CONFIGS, ResourceType.CLUSTER)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entries: null };
      }
      const error = filterError(request.components);
      if (error) return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, entries: null };
      const entries = [...deps.metadata.clientQuotas().values()]
        .filter((q) => matches(q.entity, request.components, request.strict))
        .map((q) => ({ entity: normalizedEntity(q.entity).map((e) => ({ ...e })), values: Object.entries(q.values).map(([key, value]) => ({ key, value })) }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, entries };
    },
  });
}
