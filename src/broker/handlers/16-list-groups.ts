import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { listGroups } from '../coordinator/group/group-admin.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

/** ListGroups v0-v5, with the states filter of v4 and the types filter of v5. */
export function listGroupsHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.ListGroups,
    minVersion: 0,
    maxVersion: 5,
    handle(request) {
      const groups = listGroups(broker.groupCoordinator, request.statesFilter, request.typesFilter);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: g.groupType })),
      };
    },
  });
}
