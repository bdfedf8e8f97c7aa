import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groupAdmin'>;

/** ListGroups v0-v5, with the states filter of v4 and the types filter of v5 (COORDINATOR_LOAD_IN_PROGRESS while a partition loads). */
export function listGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    handle(request) {
      const { errorCode, groups } = deps.groupAdmin.listGroups(request.statesFilter, request.typesFilter);
      return {
        throttleTimeMs: 0,
        errorCode,
        groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType })),
      };
    },
  });
}
