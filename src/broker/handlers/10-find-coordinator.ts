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

/** Which broker coordinates the key, or the error to answer. */
function coordinatorOf(broker: KafkaBroker, key: string, keyType: number): { errorCode: number; nodeId: number } {
  if (keyType === GROUP_KEY_TYPE) return broker.groupCoordinator.findCoordinator(key);
  if (keyType === TRANSACTION_KEY_TYPE) return broker.transactionCoordinator.findCoordinator(key);
  return { errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1 };
}

/** Kafka fills errorMessage from the error's text, which for NONE is "NONE". */
function lookup(broker: KafkaBroker, key: string, keyType: number, listener: string | undefined): Coordinator {
  const found = coordinatorOf(broker, key, keyType);
  const node = found.errorCode === ErrorCode.NONE ? broker.liveBrokers(listener).find((b) => b.nodeId === found.nodeId) : undefined;
  const errorCode = node ? ErrorCode.NONE : found.errorCode === ErrorCode.NONE ? ErrorCode.COORDINATOR_NOT_AVAILABLE : found.errorCode;
  if (!node) return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: errorName(errorCode) };
  return { key, nodeId: node.nodeId, host: node.host, port: node.port, errorCode, errorMessage: 'NONE' };
}

/**
 * FindCoordinator v0-v6: one key before v4, a batch of keys from v4 on. Groups are
 * coordinated by the leader of their `__consumer_offsets` partition, transactional ids
 * (key type 1) by the leader of their `__transaction_state` partition, which any broker names
 * (it may still be loading the partition: the coordinator then answers
 * COORDINATOR_LOAD_IN_PROGRESS); both topics are created on first use.
 */
export function findCoordinatorHandler(broker: KafkaBroker) {
  return apiHandler({
    apiKey: ApiKeys.FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    handle(request, { header, session }) {
      if (header.apiVersion >= 4) {
        return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => lookup(broker, key, request.keyType, session?.listener)) };
      }
      const { key: _key, ...single } = lookup(broker, request.key, header.apiVersion === 0 ? GROUP_KEY_TYPE : request.keyType, session?.listener);
      return { throttleTimeMs: 0, ...single };
    },
  });
}
