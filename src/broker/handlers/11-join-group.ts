import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { clientHostOf } from '../coordinator/group/client-host.js';
import type { JoinGroupResult } from '../coordinator/group/member-metadata.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'auth'>;

/**
 * JoinGroup v0-v9. The response waits until the group's join phase ends (all members
 * rejoined, the initial delay, or the rebalance timeout), so the handler returns a promise.
 */
export function joinGroupHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.JoinGroup,
    minVersion: 0,
    maxVersion: 9,
    handle(request, context) {
      const { header, clientAddress } = context;
      const version = header.apiVersion;
      const respond = (r: JoinGroupResult) => ({
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        generationId: r.generationId,
        protocolType: r.protocolType,
        // Non-nullable before v7: "" when no protocol is chosen.
        protocolName: version >= 7 ? r.protocolName : r.protocolName ?? '',
        leader: r.leaderId,
        skipAssignment: r.skipAssignment,
        memberId: r.memberId,
        members: r.members,
      });
      if (!deps.auth.allows(context, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
        return respond({ errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, memberId: '', generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, members: [] });
      }
      return new Promise((resolve) => {
        deps.groups.joinGroup(
          {
            groupId: request.groupId,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            requireKnownMemberId: version >= 4 && request.groupInstanceId === null,
            supportSkippingAssignment: version >= 9,
            clientId: header.clientId ?? '',
            clientHost: clientHostOf(clientAddress),
            // v0 has no rebalance timeout: the session timeout bounds the rebalance too.
            rebalanceTimeoutMs: version === 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols,
          },
          (result) => resolve(respond(result)),
        );
      });
    },
  });
}
