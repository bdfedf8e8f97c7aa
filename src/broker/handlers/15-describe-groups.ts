import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../security/authorizer/request-authorizer.js';

type Deps = Pick<HandlerDeps, 'groupAdmin' | 'auth'>;


/** DescribeGroups v0-v5: member metadata and assignments only for Stable groups, as Kafka. */
export function describeGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        groups: distinctBy(request.groups, (groupId) => groupId).map((groupId) => {
          if (!deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
            return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
          }
          const { errorCode, summary } = deps.groupAdmin.describeGroup(groupId);
          return {
            errorCode,
            groupId,
            groupState: summary.state,
            protocolType: summary.protocolType,
            protocolData: summary.protocolName,
            members: summary.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.metadata,
              memberAssignment: m.assignment,
            })),
            authorizedOperations: request.includeAuthorizedOperations ? deps.auth.authorizedOperations(context, ResourceType.GROUP, groupId) : AUTHORIZED_OPERATIONS_OMITTED,
          };
        }),
      };
    },
  });
}
