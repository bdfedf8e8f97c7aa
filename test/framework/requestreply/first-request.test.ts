/**
 * With `auto.offset.reset=latest` everywhere (responder and reply consumer), the very first
 * request after `start()` is answered: start resolves once both have their partitions and
 * have fetched, and the template waits for that before its first send.
 */
import { injectable } from 'inversify';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { KafkaApplication, KafkaListener, ReplyingKafkaTemplate, SendTo, TopicBuilder } from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

@injectable()
class RateService {
  // No group here: each application gives its own (consumerConfig.groupId), so every run is a new group reading from latest.
  @KafkaListener({ topics: ['rates'] })
  @SendTo()
  rate(currency: string): string {
    return `${currency}:1.08`;
  }
}

let kafka: EmbeddedKafka;
const apps: KafkaApplication[] = [];

beforeAll(async () => {
  kafka = await startBroker();
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(async () => {
  await kafka?.stop();
});

test('the first request right after start, with auto.offset.reset=latest, is answered (three fresh applications)', async () => {
  for (let run = 0; run < 3; run++) {
    const replyTopic = unique('rates-replies');
    const app = await KafkaApplication.create({
      kafka: kafkaConfig(kafka),
      listeners: [RateService],
      topics: [TopicBuilder.name('rates').partitions(2).replicas(1).build(), TopicBuilder.name(replyTopic).partitions(2).replicas(1).build()],
      consumerConfig: { ...FAST_CONSUMER, groupId: unique('rate-service'), autoOffsetReset: 'latest' },
      replyingTemplate: { replyTopic, timeoutMs: 20_000 },
      logger: testLogger,
    });
    apps.push(app);
    await app.start();
    const reply = await app.get(ReplyingKafkaTemplate).sendAndReceive({ topic: 'rates', key: `run-${run}`, value: `EUR${run}` }, { replyType: String });
    expect(reply.value).toBe(`EUR${run}:1.08`);
    expect(reply.topic).toBe(replyTopic);
    // Stopping rejects what is still waiting (Spring would leave it hanging).
    const waiting = app.get(ReplyingKafkaTemplate).sendAndReceive({ topic: unique('nobody-reads-this'), value: 'hello?' }, { timeoutMs: 60_000 }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    await waitFor(() => app.get(ReplyingKafkaTemplate).pendingRequests === 1, { what: 'the request to be pending' });
    await app.stop();
    expect(String(await waiting)).toContain('ReplyingKafkaTemplate stopped before the reply');
  }
}, 90_000);
