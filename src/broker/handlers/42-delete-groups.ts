import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groupAdmin' | 'auth'>;

/** DeleteGroups v0-v2: only Empty groups (NON_EMPTY_GROUP otherwise); offsets go with them. */
export function deleteGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      const mayDelete = (groupId: string) => deps.auth.allows(context, AclOperation.DELETE, ResourceType.GROUP, groupId);
      const deleted = new Map(deps.groupAdmin.deleteGroups(request.groupsNames.filter(mayDelete)).map((r) => [r.groupId, r]));
      return { throttleTimeMs: 0, results: request.groupsNames.map((groupId) => deleted.get(groupId) ?? { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }) };
    },
  });
}
