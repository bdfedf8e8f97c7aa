/**
 * docs/request-reply.md: "the reply is sent before the record counts as processed, so a record
 * is committed only once its reply is written; if the reply can't be sent, the record fails like
 * any listener failure (and is retried by the container's error handler)". The reply topic is
 * missing (the broker does not auto-create topics): the request is not committed and keeps being
 * delivered; once the topic exists the reply lands there and the request is committed.
 */
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  ConcurrentKafkaListenerContainerFactory,
  DefaultErrorHandler,
  FixedBackOff,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  SendTo,
} from '../../../src/index.js';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { startErrorHandlingBroker } from '../error-handling/support/error-handling-harness.js';
import { BrokerProbe, FAST_CONSUMER, kafkaConfig, testLogger } from '../support/framework-harness.js';
import { readTopic, values } from '../transactions/tx-harness.js';
import { waitFor } from '../../support/wait-for.js';

const deliveries: string[] = [];

@injectable()
class Auditor {
  @KafkaListener({ id: 'auditor', topics: ['audit-requests'], groupId: 'auditor', containerFactory: 'patientFactory' })
  @SendTo('audit-replies')
  audit(value: string): string {
    deliveries.push(value);
    return `audited ${value}`;
  }
}

let kafka: EmbeddedKafka;
let probe: BrokerProbe;

beforeAll(async () => {
  kafka = await startErrorHandlingBroker({ 'auto.create.topics.enable': false });
  probe = new BrokerProbe(kafka);
});
afterAll(async () => {
  await probe?.close();
  await kafka?.stop();
});

test('a reply that cannot be written fails the request record: not committed, redelivered, committed once the reply is written', { timeout: 60_000 }, async () => {
  await probe.createTopic('audit-requests', 1);
  const app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka),
    consumerConfig: FAST_CONSUMER,
    listeners: [Auditor],
    containerFactories: {
      // Retries for long enough that the record is still being retried when the topic appears.
      patientFactory: () => new ConcurrentKafkaListenerContainerFactory({ commonErrorHandler: new DefaultErrorHandler(new FixedBackOff(100, 1000), { logger: testLogger }) }),
    },
    logger: testLogger,
  });
  try {
    await app.start();
    await app.get(KafkaTemplate).send('audit-requests', 'r1', 'invoice-7');
    await waitFor(() => deliveries.length >= 3, { what: 'three deliveries while the reply topic is missing', timeoutMs: 30_000 });
    expect(await probe.committedAt('auditor', 'audit-requests')).toBe(-1);

    await probe.createTopic('audit-replies', 1);
    await waitFor(async () => (await probe.committedAt('auditor', 'audit-requests')) === 1, { what: 'request committed after its reply', timeoutMs: 30_000 });
    const replies = await readTopic(kafkaConfig(kafka), 'audit-replies', { done: (r) => r.length >= 1 });
    expect(values(replies)).toEqual(['audited invoice-7']);
    expect(new Set(deliveries)).toEqual(new Set(['invoice-7']));
  } finally {
    await app.stop();
  }
});
