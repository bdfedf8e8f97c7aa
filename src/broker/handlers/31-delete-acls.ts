import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, type AclBinding } from '../security/authorizer/acl-binding.js';
import { filterMatches, invalidFilterReason } from '../security/authorizer/acl-filter.js';
import { refuseAclApi } from './acl-results.js';
import { apiHandler } from './api-handler.js';
import type { HandlerDeps } from './handler-deps.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'controller' | 'auth'>;

/**
 * DeleteAcls v0-3: each filter removes the ACLs it matches and lists them. Needs ALTER on the
 * cluster.
 */
export function deleteAclsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DeleteAcls,
    minVersion: 0,
    maxVersion: 3,
    handle(request, context) {
      const refusal = refuseAclApi(deps.auth, context, AclOperation.ALTER);
      if (refusal) return { throttleTimeMs: 0, filterResults: request.filters.map(() => ({ ...refusal, matchingAcls: [] })) };
      const doomed: AclBinding[] = [];
      const filterResults = request.filters.map((filter) => {
        const reason = invalidFilterReason(filter);
        if (reason !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: reason, matchingAcls: [] };
        const matching = deps.metadata.acls().filter((acl) => filterMatches(filter, acl));
        doomed.push(...matching);
        return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: matching.map((acl) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...acl })) };
      });
      deps.controller.deleteAcls(doomed);
      return { throttleTimeMs: 0, filterResults };
    },
  });
}
