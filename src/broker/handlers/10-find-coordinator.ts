import { ErrorCode, errorName } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler, type RequestContext } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'groups' | 'membership' | 'transactions' | 'auth'>;

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
function coordinatorOf(deps: Deps, key: string, keyType: number): { errorCode: number; nodeId: number } {
  if (keyType === GROUP_KEY_TYPE) return deps.groups.findCoordinator(key);
  if (keyType === TRANSACTION_KEY_TYPE) return deps.transactions.findCoordinator(key);
  return { errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1 };
}

/** DESCRIBE on the group or transactional id the key names. */
function authorizationError(deps: Deps, key: string, keyType: number, context: RequestContext): { errorCode: number; nodeId: number } | null {
  if (keyType === GROUP_KEY_TYPE && !deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.GROUP, key)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, nodeId: -1 };
  if (keyType === TRANSACTION_KEY_TYPE && !deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, nodeId: -1 };
  return null;
}

/** Kafka fills errorMessage from the error's text, which for NONE is "NONE". */
function lookup(deps: Deps, key: string, keyType: number, context: RequestContext): Coordinator {
  const listener = context.session?.listener;
  const found = authorizationError(deps, key, keyType, context) ?? coordinatorOf(deps, key, keyType);
  const node = found.errorCode === ErrorCode.NONE ? deps.membership.liveBrokers(listener).find((b) => b.nodeId === found.nodeId) : undefined;
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
export function findCoordinatorHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.FindCoordinator,
    minVersion: 0,
    maxVersion: 6,
    handle(request, context) {
      const header = context.header;
      if (header.apiVersion >= 4) {
        return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map((key) => lookup(deps, key, request.keyType, context)) };
      }
      const { key: _key, ...single } = lookup(deps, request.key, header.apiVersion === 0 ? GROUP_KEY_TYPE : request.keyType, context);
      return { throttleTimeMs: 0, ...single };
    },
  });
}
