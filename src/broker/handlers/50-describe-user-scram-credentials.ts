import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { SCRAM_MECHANISMS, isScramMechanism } from '../security/sasl/scram-credential.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'metadata' | 'auth'>;

/** DescribeUserScramCredentials v0 (KIP-554): mechanisms and iterations per user, never keys. */
export function describeUserScramCredentialsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.DescribeUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      if (!deps.auth.allows(context, AclOperation.DESCRIBE, ResourceType.CLUSTER)) return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'Cluster authorization failed.', results: [] };
      const users = deps.metadata.scramUsers();
      const infos = (user: string) =>
        (users.get(user) ?? []).filter((c) => isScramMechanism(c.mechanism)).map((c) => ({ mechanism: SCRAM_MECHANISMS[c.mechanism as keyof typeof SCRAM_MECHANISMS].id, iterations: c.iterations }));
      const ok = (user: string) => ({ user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos(user) });
      if (request.users === null || request.users.length === 0) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: [...users.keys()].sort().map(ok) };
      }
      const counts = new Map<string, number>();
      for (const { name } of request.users) counts.set(name, (counts.get(name) ?? 0) + 1);
      const results = [...counts.entries()].map(([user, count]) => {
        if (count > 1) {
          return { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] };
        }
        if (!users.has(user)) return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
        return ok(user);
      });
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
    },
  });
}
