import { ErrorCode, KafkaProtocolError } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { BROKER_CONFIG_BY_NAME, TOPIC_CONFIG_BY_NAME } from '../config/config-definitions.js';
import { AclOperation } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { ResourceType, applyOverrides, configAuthorizationError, currentOverrides } from './config-resources.js';
import { NO_ERROR, errorFields } from './topic-errors.js';

type Deps = Pick<HandlerDeps, 'context' | 'controller' | 'metadata' | 'auth'>;

const OpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

/** IncrementalAlterConfigs: SET, DELETE, and APPEND/SUBTRACT on list configs. */
export function incrementalAlterConfigsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.IncrementalAlterConfigs,
    minVersion: 0,
    maxVersion: 1,
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r) => {
          const base = { resourceType: r.resourceType, resourceName: r.resourceName };
          const denied = configAuthorizationError(deps.auth, context, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
          if (denied) return { ...base, ...denied };
          try {
            const overrides = currentOverrides(deps.metadata, r.resourceType, r.resourceName);
            const definitions = r.resourceType === ResourceType.TOPIC ? TOPIC_CONFIG_BY_NAME : BROKER_CONFIG_BY_NAME;
            for (const c of r.configs) {
              const definition = definitions.get(c.name);
              if (c.configOperation === OpType.DELETE) {
                delete overrides[c.name];
                continue;
              }
              if (c.value === null) throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Null value not supported for: ${c.name}`);
              if (c.configOperation === OpType.SET) overrides[c.name] = c.value;
              else if (c.configOperation === OpType.APPEND || c.configOperation === OpType.SUBTRACT) {
                if (definition?.type !== 'list') throw new KafkaProtocolError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${c.name}`);
                const current = (overrides[c.name] ?? deps.context.config.topicConfig(overrides)[c.name] ?? '').split(',').map((v) => v.trim()).filter(Boolean);
                const values = c.value.split(',').map((v) => v.trim()).filter(Boolean);
                const next = c.configOperation === OpType.APPEND ? [...current, ...values.filter((v) => !current.includes(v))] : current.filter((v) => !values.includes(v));
                overrides[c.name] = next.join(',');
              } else throw new KafkaProtocolError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${c.configOperation}`);
            }
            applyOverrides(deps.controller, r.resourceType, r.resourceName, overrides, request.validateOnly);
            return { ...base, ...NO_ERROR };
          } catch (error) {
            return { ...base, ...errorFields(error) };
          }
        }),
      };
    },
  });
}
