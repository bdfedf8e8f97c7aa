import { CLIENT_ID, USER, entityKey, type ClientQuotaEntity, type QuotaKey } from './client-quota-entity.js';

/** The quota that applies to a request, and the sensor it is measured on. */
export interface ResolvedQuota {
  readonly bound: number;
  /**
   * Who shares the budget (Kafka's quota metric tags): the user and/or client id of the entity
   * that matched, with the request's own names standing in for defaults. Every client of
   * `/users/alice` shares one sensor; with `/clients/<default>` each client id has its own.
   */
  readonly sensorKey: string;
}

type Lookup = (entityKey: string) => Readonly<Record<string, number>> | undefined;

const named = (type: string, name: string | null) => ({ entityType: type, entityName: name });

/**
 * The quota for `user` and `clientId`, most specific entity first, as Kafka's
 * DefaultQuotaCallback: /users/u/clients/c, /users/u/clients/<default>, /users/u,
 * /users/<default>/clients/c, /users/<default>/clients/<default>, /users/<default>,
 * /clients/c, /clients/<default>. Each quota key resolves on its own: an entity that sets
 * only consumer_byte_rate does not hide a producer_byte_rate set further down.
 */
export function resolveQuota(lookup: Lookup, key: QuotaKey, user: string, clientId: string): ResolvedQuota | null {
  const candidates: Array<[ClientQuotaEntity, string, string]> = [
    [[named(USER, user), named(CLIENT_ID, clientId)], user, clientId],
    [[named(USER, user), named(CLIENT_ID, null)], user, clientId],
    [[named(USER, user)], user, ''],
    [[named(USER, null), named(CLIENT_ID, clientId)], user, clientId],
    [[named(USER, null), named(CLIENT_ID, null)], user, clientId],
    [[named(USER, null)], user, ''],
    [[named(CLIENT_ID, clientId)], '', clientId],
    [[named(CLIENT_ID, null)], '', clientId],
  ];
  for (const [entity, sensorUser, sensorClient] of candidates) {
    const bound = lookup(entityKey(entity))?.[key];
    if (bound !== undefined) return { bound, sensorKey: JSON.stringify([sensorUser, sensorClient]) };
  }
  return null;
}
