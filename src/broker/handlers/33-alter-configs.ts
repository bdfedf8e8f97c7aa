import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { apiHandler } from './api-handler.js';
import { applyOverrides, configAuthorizationError } from './config-resources.js';
import { NO_ERROR, errorFields } from './topic-errors.js';

type Deps = Pick<HandlerDeps, 'controller' | 'auth'>;

/** AlterConfigs (the legacy, non-incremental form): the given configs replace all overrides. */
export function alterConfigsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.AlterConfigs,
    minVersion: 0,
    maxVersion: 2,
    handle(request, context) {
      return {
        throttleTimeMs: 0,
        responses: request.resources.map((r) => {
          const base = { resourceType: r.resourceType, resourceName: r.resourceName };
          const denied = configAuthorizationError(deps.auth, context, AclOperation.ALTER_CONFIGS, r.resourceType, r.resourceName);
          if (denied) return { ...base, ...denied };
          const configs: Record<string, string> = {};
          for (const c of r.configs) {
            if (c.value === null) return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Null value not supported for: ${c.name}` };
            configs[c.name] = c.value;
          }
          try {
            applyOverrides(deps.controller, r.resourceType, r.resourceName, configs, request.validateOnly);
            return { ...base, ...NO_ERROR };
          } catch (error) {
            return { ...base, ...errorFields(error) };
          }
        }),
      };
    },
  });
}
