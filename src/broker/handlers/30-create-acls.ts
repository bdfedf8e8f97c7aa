import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, invalidAclReason, type AclBinding } from '../security/authorizer/acl-binding.js';
import { refuseAclApi } from './acl-results.js';
import { apiHandler } from './api-handler.js';
import type { HandlerDeps } from './handler-deps.js';

type Deps = Pick<HandlerDeps, 'controller' | 'auth'>;

/**
 * CreateAcls v0-3: one result per creation, in request order. An invalid ACL gets
 * INVALID_REQUEST and the valid ones are still created; an existing ACL is a no-op success.
 * Needs ALTER on the cluster.
 */
export function createAclsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.CreateAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const refusal = refuseAclApi(deps.auth, context, AclOperation.ALTER);
      if (refusal) return { throttleTimeMs: 0, results: request.creations.map(() => refusal) };
      const valid: AclBinding[] = [];
      const results = request.creations.map((c) => {
        const acl: AclBinding = { resourceType: c.resourceType, resourceName: c.resourceName, patternType: c.resourcePatternType, principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType };
        const reason = invalidAclReason(acl);
        if (reason !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason };
        valid.push(acl);
        return { errorCode: ErrorCode.NONE, errorMessage: null };
      });
      deps.controller.createAcls(valid);
      return { throttleTimeMs: 0, results };
    },
  });
}
