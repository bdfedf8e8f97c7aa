import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { distinctBy } from './distinct.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groupAdmin'>;

/** READ, DELETE and DESCRIBE on a group (AclOperation codes 3, 6, 8): all allowed without ACLs. */
const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const OPERATIONS_NOT_REQUESTED = -2147483648;

/** DescribeGroups v0-v5: member metadata and assignments only for Stable groups, as Kafka. */
export function describeGroupsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeGroups,
    minVersion: 0,
    maxVersion: 5,
    handle(request) {
      return {
        throttleTimeMs: 0,
        groups: distinctBy(request.groups, (groupId) => groupId).map((groupId) => {
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
            authorizedOperations: request.includeAuthorizedOperations ? GROUP_AUTHORIZED_OPERATIONS : OPERATIONS_NOT_REQUESTED,
          };
        }),
      };
    },
  });
}
