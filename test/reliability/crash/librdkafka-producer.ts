/**
 * The librdkafka side of the load: confluent_kafka (via /usr/bin/python3) with acks=all and
 * enable.idempotence=true, as a child process. It produces `rk<instance>-p<partition>-<seq>`
 * round-robin over the partitions until its stdin closes, then flushes and exits. Every
 * delivery report is one stdout line: `D <partition> <offset> <value>` when the broker
 * acknowledged it, `E <value> <error>` when it did not; `X <error>` is a client error other
 * than the broker being unreachable (a fatal one among them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { PYTHON } from '../../support/broker-harness.js';
import type { AckedRecord } from './records.js';

const SCRIPT = `
import sys, threading, time
from confluent_kafka import KafkaError, Producer

bootstrap, topic, partitions, prefix, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
stop = threading.Event()
def watch_stdin():
    sys.stdin.read()
    stop.set()
threading.Thread(target=watch_stdin, daemon=True).start()

out = sys.stdout
def report(err, msg):
    if err is None:
        out.write('D %d %d %s\\n' % (msg.partition(), msg.offset(), msg.value().decode()))
    else:
        out.write('E %s %s\\n' % (msg.value().decode(), str(err).replace('\\n', ' ')))

def client_error(err):
    if err.fatal() or err.code() not in (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN):
        out.write('X %s\\n' % str(err).replace('\\n', ' '))

producer = Producer({
    'bootstrap.servers': bootstrap,
    'error_cb': client_error,
    'client.id': prefix,
    'acks': 'all',
    'enable.idempotence': True,
    'linger.ms': 5,
    # Below the soak's segment.bytes: a larger batch (librdkafka piles one up while the broker is
    # down) is refused with RECORD_LIST_TOO_LARGE, as Kafka refuses it.
    'batch.size': 32768,
    'message.timeout.ms': 60000,
    'reconnect.backoff.ms': 50,
    'reconnect.backoff.max.ms': 500,
})
seq = [0] * partitions
n = 0
started = time.monotonic()
while not stop.is_set():
    p = n % partitions
    value = '%s-p%d-%d' % (prefix, p, seq[p])
    try:
        producer.produce(topic, value=value.encode(), partition=p, on_delivery=report)
    except BufferError:
        producer.poll(0.05)
        continue
    seq[p] += 1
    n += 1
    producer.poll(0)
    ahead = n / rate - (time.monotonic() - started)
    if ahead > 0:
        time.sleep(ahead)
        out.flush()
remaining = producer.flush(90)
out.write('F %d\\n' % remaining)
out.flush()
`;

export interface LibrdkafkaLoad {
  readonly acked: AckedRecord[];
  /** Values whose delivery report carried an error (not acknowledged: may or may not be stored). */
  readonly failed: string[];
  /** How often each delivery error was reported. */
  readonly errors: Map<string, number>;
  /** Closes the producer's stdin and waits for it to flush every outstanding delivery report. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();

/** SIGKILLs every producer still running (a soak that failed half-way). */
export function killLibrdkafkaProducers(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** Starts the python producer; `rate` is records per second. */
export function startLibrdkafkaLoad(bootstrap: string, topic: string, partitions: number, prefix: string, rate: number): LibrdkafkaLoad {
  const child: ChildProcess = spawn(PYTHON, ['-c', SCRIPT, bootstrap, topic, String(partitions), prefix, String(rate)], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const acked: AckedRecord[] = [];
  const failed: string[] = [];
  const errors = new Map<string, number>();
  let stderr = '';
  let unflushed = -1;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  child.stdin!.on('error', () => undefined); // EPIPE if it died first
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const [kind, a, b, ...rest] = line.split(' ');
    if (kind === 'D') acked.push({ partition: Number(a), offset: Number(b), value: rest.join(' ') });
    else if (kind === 'E') {
      failed.push(a!);
      const error = [b, ...rest].join(' ');
      errors.set(error, (errors.get(error) ?? 0) + 1);
    }
    else if (kind === 'X') {
      const error = `client error: ${[a, b, ...rest].join(' ')}`;
      errors.set(error, (errors.get(error) ?? 0) + 1);
    } else if (kind === 'F') unflushed = Number(a);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    acked,
    failed,
    errors,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      const { code, signal } = await exited;
      clearTimeout(timer);
      if (code !== 0 || unflushed !== 0) throw new Error(`librdkafka producer ${prefix} ended badly (code ${code ?? signal}, ${unflushed} unflushed)\n${stderr}`);
    },
  };
}
