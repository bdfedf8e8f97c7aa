import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groupAdmin' | 'auth'>;

/** ListGroups v0-v5, with the states filter of v4 and the types filter of v5 (COORDINATOR_LOAD_IN_PROGRESS while a partition loads). */
export function listGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    handle(request, context) {
      const { errorCode, groups } = deps.groupAdmin.listGroups(request.statesFilter, request.typesFilter);
      // DESCRIBE on the cluster lists every group; otherwise only those the principal may describe.
      const all = deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.CLUSTER);
      const visible = all ? groups : groups.filter((g) => deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
      return {
        throttleTimeMs: 0,
        errorCode,
        groups: visible.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType })),
      };
    },
  });
}
