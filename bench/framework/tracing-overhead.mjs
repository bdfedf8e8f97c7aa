// What tracing adds to each listener call, without Kafka: a record listener called directly
// (also what a container started without a tracer provider runs), through the tracing wrapper
// with a provider registered (a span per call, handed to a span processor that drops it), and
// through the same wrapper once the provider is gone (the check it makes per call).
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
const listener = { onMessage: (record) => void (handled += record.offset & 1) };
const container = { listenerId: 'bench-0', groupId: 'bench', clientId: 'bench-client' };
const headers = new RecordHeaders().add('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
const records = Array.from({ length: 1024 }, (_, offset) => new ConsumerRecord({ topic: 'orders', partition: 0, offset, key: 'k', value: 'v', headers }));
const { listenerWrapper } = await setUpTracing(true, {}, silentLogger);

/** Nanoseconds per call of `target.onMessage`, after a warm-up of a tenth as many calls. */
function perCall(target) {
  for (let i = 0; i < CALLS / 10; i++) target.onMessage(records[i & 1023], undefined, undefined);
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) target.onMessage(records[i & 1023], undefined, undefined);
  return ((performance.now() - started) * 1e6) / CALLS;
}

const direct = perCall(listener);
const provider = new NodeTracerProvider({ spanProcessors: [new NoopSpanProcessor()] });
provider.register();
// Wrapped as a container starting now would be: a provider is registered.
const wrapped = listenerWrapper.wrapListener(listener, container);
const withProvider = perCall(wrapped);
trace.disable();
const providerGone = perCall(wrapped);
await provider.shutdown();

console.log(`node ${process.version}, ${CALLS.toLocaleString('en')} calls each, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('| listener call | ns per call |');
console.log('|---|---:|');
console.log(`| direct (also: a container started without a tracer provider) | ${direct.toFixed(0)} |`);
console.log(`| tracing wrapper, a provider registered (one span per call) | ${withProvider.toFixed(0)} |`);
console.log(`| tracing wrapper, the provider removed since (a check per call) | ${providerGone.toFixed(0)} |`);
if (handled < 0) console.log(handled);
