import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'auth'>;

/** LeaveGroup v0-v5: one member before v3, a batch of members (by id or group.instance.id) from v3. */
export function leaveGroupHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.LeaveGroup,
    minVersion: 0,
    maxVersion: 5,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
      const batched = context.header.apiVersion >= 3;
      const leaving = batched ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
      const result = deps.groups.leaveGroup(request.groupId, leaving);
      // Before v3 the single member's error is the response's error.
      const errorCode = batched || result.errorCode !== ErrorCode.NONE ? result.errorCode : result.members[0]?.errorCode ?? ErrorCode.NONE;
      return { throttleTimeMs: 0, errorCode, members: result.members };
    },
  });
}
