import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groupAdmin'>;

/** DeleteGroups v0-v2: only Empty groups (NON_EMPTY_GROUP otherwise); offsets go with them. */
export function deleteGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    handle(request) {
      return { throttleTimeMs: 0, results: deps.groupAdmin.deleteGroups(request.groupsNames) };
    },
  });
}
