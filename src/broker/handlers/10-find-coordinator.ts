import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { KafkaBroker } from '../kafka-broker.js';
import { apiHandler } from './api-handler.js';

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

/** Kafka fills errorMessage from the error's text, which for NONE is "NONE". */
function lookup(broker: KafkaBroker, key: string, keyType: number): Coordinator {
  let errorCode: number;
  if (keyType === GROUP_KEY_TYPE) errorCode = broker.groupCoordinator.findCoordinator(key);
  else if (keyType === TRANSACTION_KEY_TYPE) errorCode = broker.transactionCoordinator.findCoordinator(key);
  else errorCode = ErrorCode.INVALID_REQUEST;
  if (errorCode !== ErrorCode.NONE) return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorName(errorCode) };
  const self = broker.liveBrokers().find((b) => b.nodeId === broker.nodeId)!;
  return { key, nodeId: self.nodeId, host: self.host, port: self.port, errorCode, errorMessage: 'NONE' };
}

/**
 * FindCoordinator v0-v6: one key before v4, a batch of keys from v4 on. Groups are
 * coordinated by the leader of their `__consumer_offsets` partition, transactional ids
 * (key type 1) by the leader of their `__transaction_state` partition; both topics are
 * created on first use.
 */
export function findCoordinatorHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    handle(request, { header }) {
      if (header.apiVersion >= 4) {
        return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => lookup(broker, key, request.keyType)) };
      }
      const { key: _key, ...single } = lookup(broker, request.key, header.apiVersion === 0 ? GROUP_KEY_TYPE : request.keyType);
      return { throttleTimeMs: 0, ...single };
    },
  });
}
