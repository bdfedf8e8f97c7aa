import { ApiKeys } from '../../protocol/generated/messages.js';
import { deleteGroups } from '../coordinator/group/group-admin.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

/** DeleteGroups v0-v2: only Empty groups (NON_EMPTY_GROUP otherwise); offsets go with them. */
export function deleteGroupsHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.DeleteGroups,
    minVersion: 0,
    maxVersion: 2,
    handle(request) {
      return { throttleTimeMs: 0, results: deleteGroups(broker.groupCoordinator, request.groupsNames) };
    },
  });
}
