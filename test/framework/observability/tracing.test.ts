/**
 * OpenTelemetry tracing against EmbeddedKafka, with the SDK's in-memory exporter: a request
 * from one application through two listeners of another and back as a reply is one trace;
 * a record retried and dead-lettered (counted by the metrics too), and one going through retry
 * topics, keep their trace;
 * record interceptors and the error handler (its recoverer and dead letter) run inside the
 * record's process span; batch listeners link their records; with tracing switched off (or no tracer provider)
 * there are no spans and no trace headers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { injectable } from 'inversify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import {
  ConcurrentKafkaListenerContainerFactory,
  ConsumerRecord,
  ConsumerRecords,
  DeadLetterPublishingRecoverer,
  DefaultErrorHandler,
  DltHandler,
  FixedBackOff,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  RecordInterceptor,
  ReplyingKafkaTemplate,
  RetryableTopic,
  SendTo,
  TopicBuilder,
} from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagators.
provider.register();
const testTracer = trace.getTracer('tracing-test');

class PaymentDeclined extends Error {}
class InspectionFailed extends Error {}
class InventoryUnavailable extends Error {}

/** Records the listeners got, by listener. */
const seen = new Map<string, ConsumerRecord[]>();
function record(listener: string, consumed: ConsumerRecord): void {
  seen.set(listener, [...(seen.get(listener) ?? []), consumed]);
}

@injectable()
class OrderService {
  /** The first step: forwards the order (with its correlation id) to the stock check. */
  @KafkaListener({ id: 'orders', topics: ['trace-orders'], groupId: 'trace-orders' })
  @SendTo('trace-stock')
  onOrder(order: ConsumerRecord<string, string>): string {
    record('orders', order);
    return `${order.value} checked`;
  }

  /** The second step: answers the requester on its reply topic. */
  @KafkaListener({ id: 'stock', topics: ['trace-stock'], groupId: 'trace-stock' })
  @SendTo('trace-frontend-replies')
  onStock(stock: ConsumerRecord<string, string>): string {
    record('stock', stock);
    return `${stock.value}, in stock`;
  }

  @KafkaListener({ id: 'payments', topics: ['trace-payments'], groupId: 'trace-payments', containerFactory: 'deadLettering' })
  onPayment(payment: ConsumerRecord<string, string>): void {
    record('payments', payment);
    throw new PaymentDeclined(`declined ${payment.value}`);
  }

  @KafkaListener({ id: 'payments-dlt', topics: ['trace-payments-dlt'], groupId: 'trace-payments-dlt' })
  onDeadPayment(payment: ConsumerRecord<string, string>): void {
    record('payments-dlt', payment);
  }

  @KafkaListener({ id: 'audit', topics: ['trace-audit'], groupId: 'trace-audit', batch: true })
  onAudit(records: ConsumerRecords<string, string>): void {
    for (const each of records) record('audit', each);
  }
}

@injectable()
class InspectionService {
  /** Behind a record interceptor and a recoverer that trace what they do (the 'intercepted' factory). */
  @KafkaListener({ id: 'inspections', topics: ['trace-inspections'], groupId: 'trace-inspections', containerFactory: 'intercepted' })
  onInspection(inspection: ConsumerRecord<string, string>): void {
    record('inspections', inspection);
    if (inspection.value === 'bad') throw new InspectionFailed(`failed ${inspection.value}`);
  }
}

/** A span of the test's own tracer, a child of whatever context is current where it is called. */
function traced(name: string): void {
  testTracer.startSpan(name).end();
}

/** Marks each step of the record's processing with a span (the async intercept keeps its context across an await). */
const tracingInterceptor: RecordInterceptor = {
  intercept: async (consumed) => {
    await new Promise((resolve) => setImmediate(resolve));
    traced('intercept');
    return consumed;
  },
  success: () => traced('interceptor success'),
  failure: () => traced('interceptor failure'),
  afterRecord: () => traced('after record'),
};

@injectable()
class ShipmentService {
  @RetryableTopic({ attempts: 2, backoff: { delay: 1000 } })
  @KafkaListener({ id: 'shipments', topics: ['trace-shipments'], groupId: 'trace-shipments' })
  onShipment(shipment: ConsumerRecord<string, string>): void {
    record('shipments', shipment);
    throw new InventoryUnavailable(`no stock for ${shipment.value}`);
  }

  @DltHandler()
  onDeadShipment(shipment: ConsumerRecord<string, string>): void {
    record('shipments-dlt', shipment);
  }
}

@injectable()
class QuietService {
  @KafkaListener({ id: 'quiet', topics: ['trace-quiet'], groupId: 'trace-quiet' })
  onQuiet(quiet: ConsumerRecord<string, string>): void {
    record('quiet', quiet);
  }
}

let kafka: EmbeddedKafka;
let frontend: KafkaApplication;
let service: KafkaApplication;
let untraced: KafkaApplication;

/** Properties only from code: no files or environment of the machine running the tests. */
function config(properties: Record<string, string> = {}) {
  return { dir: mkdtempSync(join(tmpdir(), 'tracing-test-')), env: {}, properties };
}

beforeAll(async () => {
  kafka = await startBroker();
  const topics = ['trace-orders', 'trace-stock', 'trace-payments', 'trace-payments-dlt', 'trace-audit', 'trace-quiet', 'trace-inspections', 'trace-inspections-dlt'].map((t) => TopicBuilder.name(t).partitions(1).build());
  topics.push(TopicBuilder.name('trace-small').partitions(1).config('max.message.bytes', 200).build());
  service = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, { clientId: 'trace-service' }),
    config: config(),
    listeners: [OrderService, ShipmentService, InspectionService],
    topics,
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    // Metrics stay on: the template and the containers observe for both.
    containerFactories: {
      deadLettering: (c) =>
        new ConcurrentKafkaListenerContainerFactory({
          commonErrorHandler: new DefaultErrorHandler(new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger }), new FixedBackOff(0, 1), { logger: testLogger }),
        }),
      intercepted: (c) => {
        const deadLetters = new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger });
        const recoverer = async (failed: ConsumerRecord, error: Error) => {
          traced('recover');
          await deadLetters.accept(failed, error);
        };
        return new ConcurrentKafkaListenerContainerFactory({
          recordInterceptor: tracingInterceptor,
          commonErrorHandler: new DefaultErrorHandler(recoverer, new FixedBackOff(0, 1), { logger: testLogger }),
        });
      },
    },
  });
  frontend = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, { clientId: 'trace-frontend' }),
    config: config(),
    replyingTemplate: { replyTopic: 'trace-frontend-replies', timeoutMs: 20_000, sharedReplyTopic: false },
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
  });
  // Tracing off through Spring Boot's property names.
  untraced = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, { clientId: 'trace-untraced' }),
    config: config({ 'streamwright.kafka.template.observation-enabled': 'false', 'streamwright.kafka.listener.observation-enabled': 'false' }),
    listeners: [QuietService],
    topics,
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
  });
  await service.start();
  await frontend.start();
  await untraced.start();
});

afterAll(async () => {
  await untraced?.stop();
  await frontend?.stop();
  await service?.stop();
  await kafka?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const spans = () => exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === 'streamwright');
const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const traceId = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const nanos = ([seconds, nanoseconds]: [number, number]) => BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
/** The one span of `trace` named `name` (a failure names what was there instead). */
function only(inTrace: string, name: string, kind: SpanKind): ReadableSpan {
  const matching = spans().filter((s) => traceId(s) === inTrace && s.name === name && s.kind === kind);
  expect(matching.map((s) => s.name), `spans named ${name} in ${spans().filter((s) => traceId(s) === inTrace).map((s) => s.name).join(', ')}`).toEqual([name]);
  return matching[0]!;
}
/** Waits until the spans named have ended (a send span ends with its acknowledgement, which may come after the consumer's). */
async function finished(inTrace: string, names: string[]): Promise<void> {
  await waitFor(() => names.every((name) => spans().some((s) => traceId(s) === inTrace && s.name === name)), { what: names.join(', ') });
}
/** The W3C traceparent a consumed record carried: `00-<trace id>-<span id>-<flags>`. */
const traceparent = (consumed: ConsumerRecord) => consumed.headers.lastString('traceparent')?.split('-');

test('a request through two listeners of another application and its reply form one trace, with messaging attributes', async () => {
  const replying = frontend.get(ReplyingKafkaTemplate);
  const checkout = testTracer.startSpan('checkout');
  const reply = await context.with(trace.setSpan(context.active(), checkout), () => replying.sendAndReceive({ topic: 'trace-orders', key: 'customer-7', value: 'order-1' }));
  checkout.end();
  expect(String(reply.value)).toContain('order-1 checked, in stock');

  const id = checkout.spanContext().traceId;
  await finished(id, ['send trace-orders', 'process trace-orders', 'send trace-stock', 'process trace-stock', 'send trace-frontend-replies', 'process trace-frontend-replies']);
  const sendOrder = only(id, 'send trace-orders', SpanKind.PRODUCER);
  const processOrder = only(id, 'process trace-orders', SpanKind.CONSUMER);
  const sendStock = only(id, 'send trace-stock', SpanKind.PRODUCER);
  const processStock = only(id, 'process trace-stock', SpanKind.CONSUMER);
  const sendReply = only(id, 'send trace-frontend-replies', SpanKind.PRODUCER);
  const processReply = only(id, 'process trace-frontend-replies', SpanKind.CONSUMER);

  // Each hop is the child of the one before: the client's span, across both applications, back to the client.
  expect(parentOf(sendOrder)).toBe(checkout.spanContext().spanId);
  expect(parentOf(processOrder)).toBe(spanId(sendOrder));
  expect(parentOf(sendStock)).toBe(spanId(processOrder));
  expect(parentOf(processStock)).toBe(spanId(sendStock));
  expect(parentOf(sendReply)).toBe(spanId(processStock));
  expect(parentOf(processReply)).toBe(spanId(sendReply));

  // The records carry their send span's context.
  expect(traceparent(seen.get('orders')!.at(-1)!)).toEqual(['00', id, spanId(sendOrder), '01']);
  expect(traceparent(seen.get('stock')!.at(-1)!)).toEqual(['00', id, spanId(sendStock), '01']);

  const conversation = seen.get('orders')!.at(-1)!.headers.lastHeader('kafka_correlationId')!.value!.toString('hex');
  expect(sendOrder.attributes).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': 'trace-orders',
    'messaging.destination.partition.id': '0',
    'messaging.kafka.message.key': 'customer-7',
    'messaging.kafka.offset': seen.get('orders')!.at(-1)!.offset,
    'messaging.message.conversation_id': conversation,
  });
  expect(processOrder.attributes).toMatchObject({
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': 'trace-orders',
    'messaging.destination.partition.id': '0',
    'messaging.consumer.group.name': 'trace-orders',
    'messaging.kafka.message.key': 'customer-7',
    'messaging.kafka.offset': seen.get('orders')!.at(-1)!.offset,
    'messaging.message.conversation_id': conversation,
    'streamwright.kafka.listener.id': 'orders-0',
  });
  expect(processOrder.attributes['messaging.client.id']).toEqual(expect.any(String));
  expect(processReply.attributes).toMatchObject({ 'messaging.destination.name': 'trace-frontend-replies', 'messaging.message.conversation_id': conversation });
  for (const span of [sendOrder, processOrder, sendStock, processStock, sendReply, processReply]) expect(span.status.code).toBe(SpanStatusCode.UNSET);
});

test('a record retried and then dead-lettered keeps its trace: the dead letter is sent from its last failed processing', async () => {
  const template = service.get(KafkaTemplate);
  const pay = testTracer.startSpan('pay');
  await context.with(trace.setSpan(context.active(), pay), () => template.send('trace-payments', 'card-4', 'bad-payment'));
  pay.end();
  const id = pay.spanContext().traceId;
  await finished(id, ['send trace-payments', 'send trace-payments-dlt', 'process trace-payments-dlt']);
  const processDead = only(id, 'process trace-payments-dlt', SpanKind.CONSUMER);

  const send = only(id, 'send trace-payments', SpanKind.PRODUCER);
  // FixedBackOff(0, 1): delivered twice, failing both times; each delivery is a child of the send.
  const attempts = spans().filter((s) => traceId(s) === id && s.name === 'process trace-payments');
  expect(attempts).toHaveLength(2);
  for (const attempt of attempts) {
    expect(parentOf(attempt)).toBe(spanId(send));
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt.attributes['error.type']).toBe('PaymentDeclined');
    expect(attempt.events.map((e) => e.name)).toContain('exception');
  }
  const sendDead = only(id, 'send trace-payments-dlt', SpanKind.PRODUCER);
  const lastAttempt = attempts.reduce((a, b) => (a.startTime[0] * 1e9 + a.startTime[1] > b.startTime[0] * 1e9 + b.startTime[1] ? a : b));
  expect(parentOf(sendDead)).toBe(spanId(lastAttempt));
  // The error handler runs inside the attempt's span: the dead letter is acknowledged before that span ends.
  expect(nanos(sendDead.endTime)).toBeLessThanOrEqual(nanos(lastAttempt.endTime));
  expect(sendDead.attributes).toMatchObject({ 'messaging.destination.name': 'trace-payments-dlt', 'messaging.kafka.message.key': 'card-4' });
  expect(parentOf(processDead)).toBe(spanId(sendDead));
  // The dead letter carries its own send's context (the copied original header is replaced, not repeated).
  const dead = seen.get('payments-dlt')!.at(-1)!;
  expect(dead.headers.headers('traceparent')).toHaveLength(1);
  expect(traceparent(dead)).toEqual(['00', id, spanId(sendDead), '01']);
  // Metrics observed the same path alongside tracing.
  const deadLettered = 'streamwright_kafka_listener_dead_lettered_total{name="payments",topic="trace-payments-dlt"} 1';
  const metrics = await waitFor(async () => {
    const text = await service.metrics.metrics();
    return text.includes(deadLettered) ? text : undefined;
  }, { what: 'the dead-letter count' });
  expect(metrics).toContain('streamwright_kafka_listener_seconds_count{name="payments-0",result="failure",exception="PaymentDeclined"} 2');
  expect(metrics).toMatch(/streamwright_kafka_records_produced_total\{name="kafkaTemplate",topic="trace-payments"\} [1-9]/);
});

test('a record going through a retry topic to the dead-letter topic keeps its trace, one hop after the other', async () => {
  const template = service.get(KafkaTemplate);
  const ship = testTracer.startSpan('ship');
  await context.with(trace.setSpan(context.active(), ship), () => template.send('trace-shipments', 'parcel-9', 'parcel'));
  ship.end();
  const id = ship.spanContext().traceId;
  await waitFor(() => seen.get('shipments-dlt')?.length === 1, { what: 'the shipment in the DLT handler', timeoutMs: 30_000 });
  const processDead = await waitFor(() => spans().find((s) => traceId(s) === id && s.kind === SpanKind.CONSUMER && /^process trace-shipments-dlt/.test(s.name)), { what: 'the DLT span' });

  const inTrace = spans().filter((s) => traceId(s) === id);
  const sends = inTrace.filter((s) => s.kind === SpanKind.PRODUCER);
  const processes = inTrace.filter((s) => s.kind === SpanKind.CONSUMER);
  // attempts: 2 = the main topic, one retry topic, then the DLT. A retry record fetched before it is due gets no span.
  expect(sends.map((s) => s.name)).toEqual(['send trace-shipments', expect.stringMatching(/^send trace-shipments-retry/), expect.stringMatching(/^send trace-shipments-dlt/)]);
  expect(processes).toHaveLength(3);
  const [main, retry] = processes.filter((s) => s !== processDead).sort((a, b) => a.name.length - b.name.length);
  expect(main!.name).toBe('process trace-shipments');
  expect(retry!.name).toBe(sends[1]!.name.replace('send', 'process'));
  expect(parentOf(main!)).toBe(spanId(sends[0]!));
  expect(parentOf(sends[1]!)).toBe(spanId(main!));
  expect(parentOf(retry!)).toBe(spanId(sends[1]!));
  expect(parentOf(sends[2]!)).toBe(spanId(retry!));
  expect(parentOf(processDead)).toBe(spanId(sends[2]!));
  for (const failed of [main!, retry!]) expect(failed.attributes['error.type']).toBe('InventoryUnavailable');
  expect(processDead.status.code).toBe(SpanStatusCode.UNSET);
});

test('a batch listener gets one span per batch with a link to each record\'s send', async () => {
  const template = service.get(KafkaTemplate);
  const senders = [];
  for (let i = 0; i < 3; i++) {
    const span = testTracer.startSpan(`audit-${i}`);
    await context.with(trace.setSpan(context.active(), span), () => template.send('trace-audit', `a${i}`));
    span.end();
    senders.push(span);
  }
  await waitFor(() => seen.get('audit')?.length === 3, { what: 'three audit records' });
  const batches = await waitFor(() => {
    const found = spans().filter((s) => s.name === 'process trace-audit');
    return found.reduce((n, s) => n + Number(s.attributes['messaging.batch.message_count']), 0) === 3 ? found : undefined;
  }, { what: 'the batch spans' });
  const linkedTraces = batches.flatMap((b) => b.links.map((l) => l.context.traceId));
  expect(linkedTraces.sort()).toEqual(senders.map((s) => s.spanContext().traceId).sort());
  for (const batch of batches) {
    // Links, not a parent: the batch starts a trace of its own.
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.attributes).toMatchObject({ 'messaging.destination.name': 'trace-audit', 'messaging.consumer.group.name': 'trace-audit' });
    expect(batch.attributes['messaging.kafka.offset']).toBeUndefined();
  }
  const sendSpanIds = spans().filter((s) => s.name === 'send trace-audit').map(spanId).sort();
  expect(batches.flatMap((b) => b.links.map((l) => l.context.spanId)).sort()).toEqual(sendSpanIds);
});

test('a send the broker refuses ends its span with Kafka\'s error name; a tombstone says so', async () => {
  const template = service.get(KafkaTemplate);
  await expect(template.send('trace-small', 'big', 'x'.repeat(1000))).rejects.toThrow();
  const refused = await waitFor(() => spans().find((s) => s.name === 'send trace-small' && s.status.code === SpanStatusCode.ERROR), { what: 'the refused send' });
  expect(refused.attributes['error.type']).toBe('MESSAGE_TOO_LARGE');
  await template.send('trace-small', 'gone', null);
  const tombstone = await waitFor(() => spans().find((s) => s.name === 'send trace-small' && s.attributes['messaging.kafka.message.key'] === 'gone'), { what: 'the tombstone' });
  expect(tombstone.attributes).toMatchObject({ 'messaging.kafka.message.tombstone': true, 'messaging.destination.partition.id': '0' });
  expect(tombstone.status.code).toBe(SpanStatusCode.UNSET);
});

test('with template.observation-enabled and listener.observation-enabled false an application makes no spans and sends no trace headers', async () => {
  const before = spans().length;
  const span = testTracer.startSpan('quiet');
  await context.with(trace.setSpan(context.active(), span), () => untraced.get(KafkaTemplate).send('trace-quiet', 'hush'));
  span.end();
  await waitFor(() => seen.get('quiet')?.length === 1, { what: 'the quiet record' });
  expect(seen.get('quiet')![0]!.headers.lastHeader('traceparent')).toBeUndefined();
  // Give a (wrong) span time to finish, then check nothing of this application's was recorded.
  await untraced.get(KafkaTemplate).flush();
  expect(spans().slice(before).filter((s) => String(s.attributes['messaging.destination.name']).startsWith('trace-quiet'))).toEqual([]);
});

test('without a registered tracer provider there are no spans and no headers; containers started without one run unwrapped until restarted', async () => {
  trace.disable();
  const before = exporter.getFinishedSpans().length;
  const template = service.get(KafkaTemplate);
  await template.send('trace-payments-dlt', 'no-provider');
  const consumed = await waitFor(() => seen.get('payments-dlt')?.find((r) => r.value === 'no-provider'), { what: 'the record' });
  expect(consumed.headers.lastHeader('traceparent')).toBeUndefined();
  expect(exporter.getFinishedSpans().length).toBe(before);

  // The container decides when it starts: now, without a provider, it leaves its listener unwrapped.
  const container = service.listenerContainer('payments-dlt');
  await container.stop();
  await container.start();
  trace.setGlobalTracerProvider(provider);
  // The template checks on every send: a provider registered later is picked up at once.
  await template.send('trace-payments-dlt', 'provider-again');
  const unwrapped = await waitFor(() => seen.get('payments-dlt')?.find((r) => r.value === 'provider-again'), { what: 'the record sent with a provider again' });
  const [, unwrappedTrace, unwrappedSend] = traceparent(unwrapped)!;
  await finished(unwrappedTrace!, ['send trace-payments-dlt']);
  expect(spanId(only(unwrappedTrace!, 'send trace-payments-dlt', SpanKind.PRODUCER))).toBe(unwrappedSend);
  expect(spans().filter((s) => traceId(s) === unwrappedTrace && s.kind === SpanKind.CONSUMER)).toEqual([]);

  // Restarted with the provider registered, it traces again.
  await container.stop();
  await container.start();
  await template.send('trace-payments-dlt', 'restarted');
  const traced = await waitFor(() => seen.get('payments-dlt')?.find((r) => r.value === 'restarted'), { what: 'the record after the restart' });
  const [, id, sendSpanId] = traceparent(traced)!;
  await finished(id!, ['send trace-payments-dlt', 'process trace-payments-dlt']);
  expect(parentOf(only(id!, 'process trace-payments-dlt', SpanKind.CONSUMER))).toBe(sendSpanId);
});

test('a record interceptor and the error handler run inside the record\'s process span, retries and dead letter included', async () => {
  const template = service.get(KafkaTemplate);
  const inspect = testTracer.startSpan('inspect');
  await context.with(trace.setSpan(context.active(), inspect), async () => {
    await template.send('trace-inspections', 'lot-1', 'good');
    await template.send('trace-inspections', 'lot-2', 'bad');
  });
  inspect.end();
  const id = inspect.spanContext().traceId;
  const inTrace = (name: string) => exporter.getFinishedSpans().filter((s) => traceId(s) === id && s.name === name);
  await waitFor(() => inTrace('after record').length === 3 && inTrace('send trace-inspections-dlt').length === 1, { what: 'three processed deliveries and the dead letter' });

  // Three deliveries: the good record once, the bad one twice (FixedBackOff(0, 1)).
  const processes = inTrace('process trace-inspections');
  expect(processes).toHaveLength(3);
  const [good, ...badAttempts] = processes.sort((a, b) => (nanos(a.startTime) < nanos(b.startTime) ? -1 : 1));
  expect(good!.status.code).toBe(SpanStatusCode.UNSET);
  for (const attempt of badAttempts) {
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt.attributes['error.type']).toBe('InspectionFailed');
  }
  const childrenOf = (parent: ReadableSpan) =>
    exporter
      .getFinishedSpans()
      .filter((s) => parentOf(s) === spanId(parent))
      .map((s) => s.name)
      .sort();
  // Each delivery's interceptor calls are its children; the last attempt's recoverer and dead letter too.
  expect(childrenOf(good!)).toEqual(['after record', 'intercept', 'interceptor success']);
  expect(childrenOf(badAttempts[0]!)).toEqual(['after record', 'intercept', 'interceptor failure']);
  expect(childrenOf(badAttempts[1]!)).toEqual(['after record', 'intercept', 'interceptor failure', 'recover', 'send trace-inspections-dlt']);
  // The span ends after the error handler: the dead letter was acknowledged inside it. The simple
  // span processor exports each span as it ends, so the export order is the end order (span end
  // times come from per-trace anchored clocks and are not comparable to the microsecond).
  const ended = exporter.getFinishedSpans();
  expect(ended.indexOf(inTrace('send trace-inspections-dlt')[0]!)).toBeLessThan(ended.indexOf(badAttempts[1]!));
});
