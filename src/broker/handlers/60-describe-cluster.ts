import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { AUTHORIZED_OPERATIONS_OMITTED } from '../security/authorizer/request-authorizer.js';

type Deps = Pick<HandlerDeps, 'membership' | 'metadata' | 'auth'>;

/** DescribeCluster (admin clients' describeCluster): brokers, controller, cluster id. */
export function describeClusterHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle: (request, context) => {
      const session = context.session;
      // v1 adds endpoint type 2 (controllers); this broker is its own controller quorum.
      if (request.endpointType !== 1 && request.endpointType !== 2) {
        return { errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, errorMessage: `unsupported endpoint type ${request.endpointType}`, brokers: [] };
      }
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        endpointType: request.endpointType,
        clusterId: deps.metadata.clusterId,
        controllerId: deps.membership.controllerId(),
        brokers: deps.membership.liveBrokers(session?.listener).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: null })),
        // KIP-430: only when asked for, and only for a principal that may describe the cluster (else 0).
        clusterAuthorizedOperations: !request.includeClusterAuthorizedOperations
          ? AUTHORIZED_OPERATIONS_OMITTED
          : deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.CLUSTER) ? deps.auth.authorizedOperations(context, ResourceType.CLUSTER) : 0,
      };
    },
  });
}
