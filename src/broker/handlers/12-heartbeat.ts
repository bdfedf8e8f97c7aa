import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'auth'>;

/** Heartbeat v0-v4: renews the member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
export function heartbeatHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
      const errorCode = deps.groups.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId);
      return { throttleTimeMs: 0, errorCode };
    },
  });
}
