/**
 * A user's `KafkaTemplate.sendBytes()` is traced as `send()` is: a PRODUCER span `send <topic>`,
 * child of the span current at the call, whose context goes into the record's `traceparent`
 * header next to the headers the record already had; with `observe: false` (what the
 * dead-letter recoverer passes, as it traces its publications itself) there is no span and no
 * header of the template's own.
 */
import * as api from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { DefaultKafkaProducerFactory, KafkaTemplate, KafkaTracing, TracingTemplateObserver } from '../../../src/index.js';
import { kcatReadAll } from '../../support/broker-harness.js';
import { BrokerProbe, kafkaConfig, startBroker, testLogger, unique } from '../support/framework-harness.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const testTracer = api.trace.getTracer('send-bytes-test');

let kafka: EmbeddedKafka;
let probe: BrokerProbe;
let factory: DefaultKafkaProducerFactory;
let template: KafkaTemplate;

beforeAll(async () => {
  kafka = await startBroker();
  probe = new BrokerProbe(kafka);
  factory = new DefaultKafkaProducerFactory({ kafka: kafkaConfig(kafka), logger: testLogger });
  template = new KafkaTemplate(factory, { logger: testLogger });
  template.observer = new TracingTemplateObserver(new KafkaTracing(api));
});

afterAll(async () => {
  await factory?.close();
  await probe?.close();
  await kafka?.stop();
  await provider.shutdown();
});

/** "headers|value" of each record of the topic (kcat prints headers as name=value,...). */
async function recordsOf(topic: string): Promise<string[]> {
  return kcatReadAll(kafka.bootstrapServers.join(','), topic, '%h|%s\\n');
}

test('sendBytes gets a send span, child of the caller\'s span, and its context in the record\'s headers', async () => {
  const topic = unique('bytes-traced');
  await probe.createTopic(topic, 1);
  exporter.reset();
  const [result] = await testTracer.startActiveSpan('caller', async (caller) => {
    try {
      return await template.sendBytes(topic, { key: Buffer.from('k'), value: Buffer.from('payload'), headers: { origin: Buffer.from('test') } });
    } finally {
      caller.end();
    }
  });
  expect(result).toMatchObject({ topicName: topic, partition: 0, baseOffset: '0' });

  const spans = exporter.getFinishedSpans();
  const caller = spans.find((s) => s.name === 'caller')!;
  const sends = spans.filter((s) => s.name === `send ${topic}`);
  expect(sends).toHaveLength(1);
  const send = sends[0]!;
  expect(send.kind).toBe(api.SpanKind.PRODUCER);
  expect(send.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
  expect(send.spanContext().traceId).toBe(caller.spanContext().traceId);
  expect(send.attributes['messaging.destination.name']).toBe(topic);

  const [stored] = await recordsOf(topic);
  const [headers, value] = stored!.split('|');
  expect(value).toBe('payload');
  expect(headers).toContain('origin=test');
  expect(headers).toContain(`traceparent=00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
});

test('with observe: false the template adds no span and no trace header', async () => {
  const topic = unique('bytes-untraced');
  await probe.createTopic(topic, 1);
  exporter.reset();
  await testTracer.startActiveSpan('caller', async (caller) => {
    try {
      await template.sendBytes(topic, { value: Buffer.from('quiet'), headers: { origin: Buffer.from('test') } }, { observe: false });
    } finally {
      caller.end();
    }
  });
  expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['caller']);
  expect(await recordsOf(topic)).toEqual(['origin=test|quiet']);
});
