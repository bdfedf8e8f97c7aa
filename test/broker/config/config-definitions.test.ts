import { describe, expect, it } from 'vitest';
import { BROKER_CONFIG_BY_NAME, DYNAMIC_BROKER_CONFIGS, TOPIC_CONFIGS } from '../../../src/broker/config/config-definitions.js';

// The declarations every reader derives from: each topic config's broker synonym is a broker
// config with the same type, default and bounds, and may change on a running broker.
describe('config definitions', () => {
  it.each(TOPIC_CONFIGS.map((d) => [d.name, d] as const))('%s has a broker synonym declared alike', (_name, topic) => {
    const broker = BROKER_CONFIG_BY_NAME.get(topic.brokerSynonym!);
    expect(broker).toBeDefined();
    expect({ type: broker!.type, default: broker!.default, min: broker!.min, max: broker!.max, validValues: broker!.validValues }).toEqual({
      type: topic.type,
      default: topic.default,
      min: topic.min,
      max: topic.max,
      validValues: topic.validValues,
    });
    expect(DYNAMIC_BROKER_CONFIGS.has(topic.brokerSynonym!)).toBe(true);
  });

  it('declares as dynamic exactly the topic synonyms, the connection quotas and two producer settings', () => {
    const others = [...DYNAMIC_BROKER_CONFIGS].filter((name) => !TOPIC_CONFIGS.some((t) => t.brokerSynonym === name)).sort();
    expect(others).toEqual(['max.connections', 'max.connections.per.ip', 'max.connections.per.ip.overrides', 'producer.id.expiration.ms', 'transaction.partition.verification.enable']);
    expect(DYNAMIC_BROKER_CONFIGS.has('socket.request.max.bytes')).toBe(false);
  });
});
