/**
 * KafkaListenerEndpointRegistry against the embedded broker: containers by id, an
 * `autoStartup: false` listener started later, stop/pause/resume by id, isRunning, and
 * unknown ids reported.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../src/broker/embedded-kafka.js';
import { ConsumerRecord, KafkaApplication, KafkaException, KafkaListener, KafkaListenerEndpointRegistry, KafkaTemplate, TopicBuilder } from '../../src/index.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from './support/framework-harness.js';
import { waitFor } from '../support/wait-for.js';

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe.close();
  await kafka.stop();
});

const received: Record<string, string[]> = { later: [], always: [] };

@injectable()
class Listeners {
  @KafkaListener({ id: 'later', topics: ['registry-later'], autoStartup: false })
  onLater(record: ConsumerRecord<string, string>): void {
    received.later!.push(String(record.value));
  }

  @KafkaListener({ id: 'always', topics: ['registry-always'] })
  onAlways(record: ConsumerRecord<string, string>): void {
    received.always!.push(String(record.value));
  }
}

test('containers by id: autoStartup false then started, paused, resumed and stopped by id', async () => {
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    listeners: [Listeners],
    topics: ['registry-later', 'registry-always'].map((t) => TopicBuilder.name(t).partitions(1).build()),
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
  });
  const registry = app.get(KafkaListenerEndpointRegistry);
  try {
    await app.start();
    expect(registry.getListenerContainerIds().sort()).toEqual(['always', 'later']);
    expect(registry.getListenerContainer('later')).toBe(app.listenerContainer('later'));
    expect(registry.getListenerContainersMatching((id) => id.startsWith('al')).map((c) => c.listenerId)).toEqual(['always']);
    expect(registry.isListenerContainerRunning('later')).toBe(false);
    expect(registry.isListenerContainerRunning('always')).toBe(true);
    expect(registry.isRunning()).toBe(true);
    expect(app.isReady()).toBe(true);

    const template = app.get(KafkaTemplate) as KafkaTemplate<string, string>;
    await template.send('registry-later', 'k', 'one');
    // Not started: nobody consumes for the group.
    expect(await probe.committedAt('later', 'registry-later')).toBe(-1);
    await registry.startListenerContainer('later');
    expect(registry.isListenerContainerRunning('later')).toBe(true);
    await waitFor(() => received.later!.includes('one'), { what: 'the record, once started' });

    registry.pauseListenerContainer('later');
    const later = registry.getListenerContainer('later')!;
    expect(later.isPauseRequested()).toBe(true);
    await waitFor(() => later.isContainerPaused(), { what: 'the container paused' });
    await template.send('registry-later', 'k', 'two');
    expect(received.later).toEqual(['one']);
    registry.resumeListenerContainer('later');
    expect(later.isPauseRequested()).toBe(false);
    await waitFor(() => received.later!.includes('two'), { what: 'the record sent while paused, after resume' });

    await registry.stopListenerContainer('later');
    expect(registry.isListenerContainerRunning('later')).toBe(false);
    expect(await probe.committedAt('later', 'registry-later')).toBe(2);
    expect(registry.isRunning()).toBe(true);

    expect(() => registry.pauseListenerContainer('nope')).toThrow(KafkaException);
    await expect(registry.startListenerContainer('nope')).rejects.toThrow(/No listener container with id 'nope' \(known: later, always\)/);
    expect(registry.getListenerContainer('nope')).toBeUndefined();
  } finally {
    await app.stop();
  }
  expect(registry.isRunning()).toBe(false);
});
