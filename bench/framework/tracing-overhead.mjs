// What tracing adds to each record, without Kafka: a record listener called directly (also
// what a container started without a tracer provider runs), and in the record scope the
// container opens per record, as its dispatcher does, with a provider registered (a span per
// record, handed to a span processor that drops it) and once the provider is gone (the check
// made per record).
//
//   npm run bench:tracing            # build, then ~20 s
//   node bench/framework/tracing-overhead.mjs --quick
import { loadavg } from 'node:os';
import { trace } from '@opentelemetry/api';
import { NodeTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ConsumerRecord, RecordHeaders, setUpTracing, silentLogger } from '../../dist/index.js';

const quick = process.argv.includes('--quick');
const CALLS = quick ? 200_000 : 2_000_000;

let handled = 0;
const listener = { onMessage: (record, _ack, _consumer) => void (handled += record.offset & 1) };
// A stand-in with only what the tracing wrapper reads: the benchmark runs no listener container.
const container = /** @type {import('../../dist/index.js').MessageListenerContainer} */ (
  /** @type {unknown} */ ({ listenerId: 'bench-0', groupId: 'bench', clientId: 'bench-client' })
);
const headers = new RecordHeaders().add('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
const records = Array.from({ length: 1024 }, (_, offset) => new ConsumerRecord({ topic: 'orders', partition: 0, offset, key: 'k', value: 'v', headers }));
const { listenerWrapper } = await setUpTracing(true, {}, silentLogger);
if (!listenerWrapper?.recordScopes) throw new Error('tracing is enabled but set up no record scopes');

/** Nanoseconds per call of `target.onMessage`, after a warm-up of a tenth as many calls. */
function perCall(target) {
  for (let i = 0; i < CALLS / 10; i++) target.onMessage(records[i & 1023], undefined, undefined);
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) target.onMessage(records[i & 1023], undefined, undefined);
  return ((performance.now() - started) * 1e6) / CALLS;
}

/** The listener in each record's scope, as the container's dispatcher runs it. */
function inRecordScopes(open) {
  return {
    onMessage: (record, ack, consumer) => {
      const scope = open(record);
      if (!scope) return listener.onMessage(record, ack, consumer);
      const result = scope.run(() => listener.onMessage(record, ack, consumer));
      scope.end();
      return result;
    },
  };
}

const direct = perCall(listener);
const provider = new NodeTracerProvider({ spanProcessors: [new NoopSpanProcessor()] });
provider.register();
// Wrapped as a container starting now would be: a provider is registered.
const wrapped = inRecordScopes(listenerWrapper.recordScopes(container));
const withProvider = perCall(wrapped);
trace.disable();
const providerGone = perCall(wrapped);
await provider.shutdown();

console.log(`node ${process.version}, ${CALLS.toLocaleString('en')} calls each, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| listener call | ns per record |');
console.log('|---|---:|');
console.log(`| direct (also: a container started without a tracer provider) | ${direct.toFixed(0)} |`);
console.log(`| record scope, a provider registered (one span per record) | ${withProvider.toFixed(0)} |`);
console.log(`| record scope, the provider removed since (a check per record) | ${providerGone.toFixed(0)} |`);
if (handled < 0) console.log(handled);
