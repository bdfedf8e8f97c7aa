import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, type AclBinding } from '../security/authorizer/acl-binding.js';
import { filterMatches, invalidFilterReason } from '../security/authorizer/acl-filter.js';
import { refuseAclApi } from './acl-results.js';
import { apiHandler } from './api-handler.js';
import type { HandlerDeps } from './handler-deps.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'auth'>;

/** DescribeAcls v0-3: the ACLs a filter selects, grouped by resource pattern. Needs DESCRIBE on the cluster. */
export function describeAclsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const refusal = refuseAclApi(deps.auth, context, AclOperation.DESCRIBE) ?? invalid(invalidFilterReason(request));
      if (refusal) return { throttleTimeMs: 0, ...refusal, resources: [] };
      const byPattern = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: AclBinding[] }>();
      for (const acl of deps.metadata.acls()) {
        if (!filterMatches(request, acl)) continue;
        const key = JSON.stringify([acl.resourceType, acl.resourceName, acl.patternType]);
        const group = byPattern.get(key) ?? { resourceType: acl.resourceType, resourceName: acl.resourceName, patternType: acl.patternType, acls: [] };
        group.acls.push(acl);
        byPattern.set(key, group);
      }
      const resources = [...byPattern.values()].map((g) => ({
        resourceType: g.resourceType,
        resourceName: g.resourceName,
        patternType: g.patternType,
        acls: g.acls.map((a) => ({ principal: a.principal, host: a.host, operation: a.operation, permissionType: a.permissionType })),
      }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources };
    },
  });
}

function invalid(reason: string | null): { errorCode: number; errorMessage: string } | null {
  return reason === null ? null : { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason };
}
