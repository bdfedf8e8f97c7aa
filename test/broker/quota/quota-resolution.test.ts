import { describe, expect, it } from 'vitest';
import { entityKey, type ClientQuotaEntity } from '../../../src/broker/quota/client-quota-entity.js';
import { resolveQuota } from '../../../src/broker/quota/quota-resolution.js';
import { SampledRate } from '../../../src/broker/quota/sampled-rate.js';

// Kafka's precedence of quota entities (DefaultQuotaCallback) and its sampled rate, as pure
// functions: the broker tests (client-quotas.test.ts) show them on the wire.

const u = (name: string | null) => ({ entityType: 'user', entityName: name });
const c = (name: string | null) => ({ entityType: 'client-id', entityName: name });

const LEVELS: Array<[string, ClientQuotaEntity]> = [
  ['/users/alice/clients/app', [u('alice'), c('app')]],
  ['/users/alice/clients/<default>', [u('alice'), c(null)]],
  ['/users/alice', [u('alice')]],
  ['/users/<default>/clients/app', [u(null), c('app')]],
  ['/users/<default>/clients/<default>', [u(null), c(null)]],
  ['/users/<default>', [u(null)]],
  ['/clients/app', [c('app')]],
  ['/clients/<default>', [c(null)]],
];

describe('quota resolution', () => {
  it('takes the most specific entity, in Kafka\'s order, for alice with client id app', () => {
    for (let level = 0; level < LEVELS.length; level++) {
      // Every entity from this level down has a quota; the bound names the level that wins.
      const quotas = new Map(LEVELS.slice(level).map(([, entity], i) => [entityKey(entity), { producer_byte_rate: level + i + 1 }]));
      const resolved = resolveQuota((key) => quotas.get(key), 'producer_byte_rate', 'alice', 'app');
      expect({ level: LEVELS[level]![0], bound: resolved?.bound }).toEqual({ level: LEVELS[level]![0], bound: level + 1 });
    }
  });

  it('resolves each key on its own and shares a sensor as Kafka\'s metric tags do', () => {
    const quotas = new Map<string, Record<string, number>>([
      [entityKey([u('alice')]), { consumer_byte_rate: 10 }],
      [entityKey([c(null)]), { producer_byte_rate: 20 }],
    ]);
    const lookup = (key: string) => quotas.get(key);
    expect(resolveQuota(lookup, 'producer_byte_rate', 'alice', 'app')?.bound).toBe(20);
    expect(resolveQuota(lookup, 'consumer_byte_rate', 'alice', 'app')?.bound).toBe(10);
    expect(resolveQuota(lookup, 'request_percentage', 'alice', 'app')).toBeNull();
    // /users/alice: every client of alice shares one budget; /clients/<default>: one per client id.
    expect(resolveQuota(lookup, 'consumer_byte_rate', 'alice', 'a')?.sensorKey).toBe(resolveQuota(lookup, 'consumer_byte_rate', 'alice', 'b')?.sensorKey);
    expect(resolveQuota(lookup, 'producer_byte_rate', 'alice', 'a')?.sensorKey).not.toBe(resolveQuota(lookup, 'producer_byte_rate', 'alice', 'b')?.sensorKey);
    // Component order does not matter.
    expect(entityKey([c('x'), u('y')])).toBe(entityKey([u('y'), c('x')]));
  });
});

describe('sampled rate', () => {
  it('measures over at least samples - 1 windows, and forgets windows older than the whole span', () => {
    const rate = new SampledRate(11, 1000);
    rate.record(10_000, 0);
    expect(rate.measure(0)).toBe(1000); // 10 000 over the minimum 10 s
    rate.record(10_000, 5000);
    expect(rate.measure(5000)).toBe(2000);
    expect(rate.measure(10_500)).toBeCloseTo(20_000 / 10.5, 6); // both windows kept, 10.5 s elapsed
    expect(rate.measure(15_000)).toBe(1000); // the first is 11+ s old and forgotten
    expect(rate.measure(16_000)).toBe(0);
  });
});
