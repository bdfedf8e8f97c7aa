import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'membership' | 'metadata'>;

/** DescribeCluster (admin clients' describeCluster): brokers, controller, cluster id. */
export function describeClusterHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle: (request, { session }) => {
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
        clusterAuthorizedOperations: -2147483648,
      };
    },
  });
}
