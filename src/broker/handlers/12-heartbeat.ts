import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

/** Heartbeat v0-v4: renews the member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
export function heartbeatHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.Heartbeat,
    minVersion: 0,
    maxVersion: 4,
    handle(request) {
      const errorCode = broker.groupCoordinator.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId);
      return { throttleTimeMs: 0, errorCode };
    },
  });
}
