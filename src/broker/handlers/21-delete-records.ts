import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'replicas' | 'auth'>;

/** DeleteRecords: moves the log start offset up to `offset` (-1: the high watermark). */
export function deleteRecordsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DeleteRecords,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        topics: request.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => {
            if (!deps.auth.allows(context, AclOperation.DELETE, ResourceType.TOPIC, t.name)) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
            const partition = deps.replicas.partition(t.name, p.partitionIndex);
            if (!partition) return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            const requested = Number(p.offset);
            const offset = requested === -1 ? partition.highWatermark : requested;
            if (offset < 0 || offset > partition.highWatermark) {
              return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
            }
            partition.log.deleteRecordsBefore(offset);
            return { partitionIndex: p.partitionIndex, lowWatermark: BigInt(partition.logStartOffset), errorCode: ErrorCode.NONE };
          }),
        })),
      };
    },
  });
}
