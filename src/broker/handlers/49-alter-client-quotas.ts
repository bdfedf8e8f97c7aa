import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { entityError, entityKey, normalizedEntity, opError } from '../quota/client-quota-entity.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'controller' | 'metadata' | 'auth'>;

/**
 * AlterClientQuotas v0-1 (KIP-546): sets or removes quota values per entity, validated as
 * Kafka's ClientQuotaControlManager does (INVALID_REQUEST with its messages), each entry on
 * its own; `validate_only` checks without changing anything. The new values are kept in the
 * cluster metadata, so they survive a restart and every broker of a cluster applies them.
 * Needs ALTER_CONFIGS on the cluster, as in Kafka (every entry fails without it).
 */
export function alterClientQuotasHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.AlterClientQuotas,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      const clusterAlter = deps.auth.allows(context, AclOperation.ALTER_CONFIGS, ResourceType.CLUSTER);
      const entries = request.entries.map(({ entity, ops }) => {
        const echo = entity.map((e) => ({ entityType: e.entityType, entityName: e.entityName }));
        if (!clusterAlter) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', entity: echo };
        const error = entityError(entity) ?? ops.map(opError).find((e) => e !== null) ?? null;
        if (error !== null) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: error, entity: echo };
        if (!request.validateOnly) {
          const values: Record<string, number> = { ...deps.metadata.clientQuotas().get(entityKey(entity))?.values };
          for (const op of ops) {
            if (op.remove) delete values[op.key];
            else values[op.key] = op.value;
          }
          deps.controller.alterClientQuota({ entity: normalizedEntity(entity), values });
        }
        return { errorCode: ErrorCode.NONE, errorMessage: null, entity: echo };
      });
      return { throttleTimeMs: 0, entries };
    },
  });
}
