/**
 * Batch listeners and tracing, with the OpenTelemetry SDK's in-memory exporter: the batch
 * interceptor, the record filter and the error handler (its retries, recoverer and dead-letter
 * sends) run inside the batch's `process <topic>` span, the one that links the records' sends,
 * so the spans they make are its children.
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
  FixedBackOff,
  KafkaApplication,
  KafkaListener,
  KafkaTemplate,
  TopicBuilder,
  type BatchInterceptor,
  type RecordFilterStrategy,
} from '../../../src/index.js';
import { FAST_CONSUMER, kafkaConfig, startBroker, testLogger } from '../support/framework-harness.js';
import { waitFor } from '../../support/wait-for.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
// Registers the tracer provider, the AsyncLocalStorage context manager and the W3C propagators.
provider.register();
const testTracer = trace.getTracer('tracing-batch-test');

/** A span of the test's own tracer, a child of whatever context is current where it is called. */
function traced(name: string): void {
  testTracer.startSpan(name).end();
}

class AuditRejected extends Error {}

const delivered: string[] = [];

@injectable()
class AuditService {
  @KafkaListener({ id: 'batch-ok', topics: ['trace-batch-ok'], groupId: 'trace-batch-ok', batch: true, containerFactory: 'traced' })
  onAudit(records: ConsumerRecords<string, string>): void {
    for (const record of records) delivered.push(record.value!);
  }

  @KafkaListener({ id: 'batch-fail', topics: ['trace-batch-fail'], groupId: 'trace-batch-fail', batch: true, containerFactory: 'traced' })
  onRejected(records: ConsumerRecords<string, string>): void {
    throw new AuditRejected(`rejected ${records.length} records`);
  }
}

/** Marks its steps with spans; the async intercept keeps its context across an await. */
const interceptor: BatchInterceptor = {
  intercept: async (records) => {
    await new Promise((resolve) => setImmediate(resolve));
    traced('batch intercept');
    return records;
  },
  success: () => traced('batch success'),
  failure: () => traced('batch failure'),
};

/** Discards `skip` records, marking each decision with a span. */
const filter: RecordFilterStrategy = {
  filter: (record) => {
    traced('filter');
    return record.value === 'skip';
  },
};

let kafka: EmbeddedKafka;
let app: KafkaApplication;

beforeAll(async () => {
  kafka = await startBroker();
  app = await KafkaApplication.create({
    kafka: kafkaConfig(kafka, { clientId: 'trace-batch' }),
    config: { dir: mkdtempSync(join(tmpdir(), 'tracing-batch-test-')), env: {}, properties: {} },
    listeners: [AuditService],
    topics: ['trace-batch-ok', 'trace-batch-fail', 'trace-batch-fail-dlt'].map((t) => TopicBuilder.name(t).partitions(1).build()),
    consumerConfig: FAST_CONSUMER,
    logger: testLogger,
    containerFactories: {
      traced: (c) => {
        const deadLetters = new DeadLetterPublishingRecoverer(c.get(KafkaTemplate), { logger: testLogger });
        const recoverer = async (failed: ConsumerRecord, error: Error) => {
          traced('recover');
          await deadLetters.accept(failed, error);
        };
        return new ConcurrentKafkaListenerContainerFactory({
          batchInterceptor: interceptor,
          recordFilterStrategy: filter,
          // One retry (a second delivery of the batch), then every record of it is dead-lettered.
          commonErrorHandler: new DefaultErrorHandler(recoverer, new FixedBackOff(0, 1), { logger: testLogger }),
        });
      },
    },
  });
  await app.start();
});

afterAll(async () => {
  await app?.stop();
  await kafka?.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

const all = () => exporter.getFinishedSpans();
const spanId = (span: ReadableSpan) => span.spanContext().spanId;
const traceId = (span: ReadableSpan) => span.spanContext().traceId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const named = (name: string) => all().filter((s) => s.name === name);
/** The batch span a span was made in, or undefined when its parent is no batch span of `topic`. */
const batchOf = (span: ReadableSpan, topic: string) => named(`process ${topic}`).find((b) => spanId(b) === parentOf(span) && traceId(b) === traceId(span));

/** Sends the values in one go, inside a span of the test, and returns the send spans' ids. */
async function sendAll(topic: string, values: string[]): Promise<string[]> {
  const template = app.get(KafkaTemplate);
  const root = testTracer.startSpan(`produce ${topic}`);
  await context.with(trace.setSpan(context.active(), root), () => Promise.all(values.map((value) => template.send(topic, value))));
  root.end();
  const id = root.spanContext().traceId;
  const sends = await waitFor(() => {
    const found = named(`send ${topic}`).filter((s) => traceId(s) === id);
    return found.length === values.length ? found : undefined;
  }, { what: `the send spans of ${topic}` });
  return sends.map(spanId);
}

test('the batch interceptor and the record filter run inside the batch\'s process span, which links the records\' sends', async () => {
  const sendIds = await sendAll('trace-batch-ok', ['a', 'skip', 'b']);
  await waitFor(() => delivered.length === 2 && named('batch success').length > 0, { what: 'the batch and its interceptor\'s success' });
  expect(delivered).toEqual(['a', 'b']);

  const batches = named('process trace-batch-ok');
  expect(batches.length).toBeGreaterThan(0);
  for (const batch of batches) {
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    // Links, not a parent: a batch's records come from many traces.
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.status.code).toBe(SpanStatusCode.UNSET);
  }
  // The span covers the batch as fetched: a link to every record's send, the filtered one too.
  expect(batches.flatMap((b) => b.links.map((l) => l.context.spanId)).sort()).toEqual([...sendIds].sort());
  expect(batches.reduce((n, b) => n + Number(b.attributes['messaging.batch.message_count']), 0)).toBe(3);

  // Interceptor (before and after the listener) and filter (once per record) are children of a batch span.
  const inside = [...named('batch intercept'), ...named('batch success'), ...named('filter')];
  expect(named('filter')).toHaveLength(3);
  for (const span of inside) expect(batchOf(span, 'trace-batch-ok'), `${span.name} has a batch span for its parent`).toBeDefined();
});

test('the batch error handler\'s retries, recoverer and dead-letter sends are children of the failed batch\'s span', async () => {
  const sendIds = await sendAll('trace-batch-fail', ['x1', 'x2']);
  // Both records are dead-lettered after the second delivery of their batch.
  const deadLetterSends = await waitFor(() => {
    const found = named('send trace-batch-fail-dlt');
    return found.length === 2 ? found : undefined;
  }, { what: 'the dead-letter sends' });

  const failed = named('process trace-batch-fail');
  // FixedBackOff(0, 1): a batch is delivered again once, then all its records are recovered;
  // every delivery is a batch span with status ERROR, linking the sends of the records in it.
  expect(failed.length).toBeGreaterThanOrEqual(2);
  for (const batch of failed) {
    expect(batch.status.code).toBe(SpanStatusCode.ERROR);
    expect(batch.attributes['error.type']).toBe('AuditRejected');
    expect(batch.parentSpanContext).toBeUndefined();
  }
  expect(new Set(failed.flatMap((b) => b.links.map((l) => l.context.spanId)))).toEqual(new Set(sendIds));

  // The recoverer and the dead-letter sends ran inside the span of the last, failed delivery.
  const recovered = named('recover');
  expect(recovered).toHaveLength(2);
  for (const span of [...recovered, ...deadLetterSends]) {
    const batch = batchOf(span, 'trace-batch-fail');
    expect(batch, `${span.name} has a failed batch span for its parent`).toBeDefined();
    expect(batch!.status.code).toBe(SpanStatusCode.ERROR);
  }
  // The batch interceptor's failure callback too, once per delivery.
  expect(named('batch failure').length).toBeGreaterThanOrEqual(2);
  for (const span of [...named('batch failure'), ...named('batch intercept')]) expect(batchOf(span, 'trace-batch-fail') ?? batchOf(span, 'trace-batch-ok')).toBeDefined();
});
