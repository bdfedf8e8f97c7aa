import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'auth'>;

/**
 * SyncGroup v0-v5. Followers wait until the leader's assignment is stored; a member the
 * leader left out gets empty (never null) assignment bytes.
 */
export function syncGroupHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.SyncGroup,
    minVersion: 0,
    maxVersion: 5,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
      }
      return new Promise((resolve) => {
        deps.groups.syncGroup(
          {
            groupId: request.groupId,
            generationId: request.generationId,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            protocolType: request.protocolType,
            protocolName: request.protocolName,
            assignments: new Map(request.assignments.map((a) => [a.memberId, a.assignment])),
          },
          (r) => resolve({ throttleTimeMs: 0, errorCode: r.errorCode, protocolType: r.protocolType, protocolName: r.protocolName, assignment: r.assignment }),
        );
      });
    },
  });
}
