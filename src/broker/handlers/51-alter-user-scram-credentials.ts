import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiKeys } from '../../protocol/generated/messages.js';
import { AclOperation, ResourceType } from '../security/authorizer/acl-binding.js';
import type { HandlerDeps } from './handler-deps.js';
import { SCRAM_MECHANISMS, credentialFromSaltedPassword, scramMechanismById } from '../security/sasl/scram-credential.js';
import { apiHandler } from './api-handler.js';

type Deps = Pick<HandlerDeps, 'controller' | 'metadata' | 'auth'>;

/** Names a plain JSON object cannot key safely. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * AlterUserScramCredentials v0 (KIP-554): the client sends the salted password; the broker
 * keeps salt, stored key, server key and iterations in the cluster metadata. Validation and
 * messages as Kafka's ScramControlManager; one result per user, (user, mechanism) pairs may
 * not repeat.
 */
export function alterUserScramCredentialsHandler(deps: Deps) {
  return apiHandler({
    apiKey: ApiKeys.AlterUserScramCredentials,
    minVersion: 0,
    maxVersion: 0,
    handle(request, context) {
      const errors = new Map<string, { code: number; message: string }>();
      const clusterAlter = deps.auth.allows(context, AclOperation.ALTER, ResourceType.CLUSTER);
      const fail = (user: string, code: number, message: string) => {
        if (!errors.has(user)) errors.set(user, { code, message });
      };
      const seen = new Set<string>();
      const order: string[] = [];
      const all = [...request.deletions.map((d) => ({ ...d, upsert: null })), ...request.upsertions.map((u) => ({ name: u.name, mechanism: u.mechanism, upsert: u }))];
      for (const { name, mechanism } of all) {
        if (!order.includes(name)) order.push(name);
        const key = `${name}\u0000${mechanism}`;
        if (seen.has(key)) fail(name, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
        seen.add(key);
      }
      for (const { name, mechanism, upsert } of all) {
        if (!clusterAlter) fail(name, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
        if (name === '') fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
        else if (RESERVED_NAMES.has(name)) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, `Username ${name} is not allowed`);
        const mechanismName = scramMechanismById(mechanism);
        if (mechanismName === undefined) {
          fail(name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
          continue;
        }
        if (upsert) {
          const { minIterations, maxIterations } = SCRAM_MECHANISMS[mechanismName];
          if (upsert.iterations < minIterations) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
          else if (upsert.iterations > maxIterations) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
          else if (upsert.saltedPassword.length === 0 || upsert.salt.length === 0) fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Salt and salted password must not be empty');
        } else if (!deps.metadata.scramCredential(name, mechanismName)) {
          fail(name, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
        }
      }
      // A user's changes apply together, or not at all.
      for (const { name, mechanism, upsert } of all) {
        if (errors.has(name)) continue;
        const mechanismName = scramMechanismById(mechanism)!;
        const credential = upsert ? credentialFromSaltedPassword(mechanismName, Buffer.from(upsert.saltedPassword), Buffer.from(upsert.salt), upsert.iterations) : null;
        deps.controller.alterScramCredential(name, mechanismName, credential);
      }
      return {
        throttleTimeMs: 0,
        results: order.map((user) => {
          const error = errors.get(user);
          return { user, errorCode: error?.code ?? ErrorCode.NONE, errorMessage: error?.message ?? null };
        }),
      };
    },
  });
}
