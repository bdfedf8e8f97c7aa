/**
 * The librdkafka side of the chaos soak: one Python script (confluent_kafka), run with
 * `python3 -c`, in one of three modes. It prints one line per event; the soak parses them.
 *
 * - `produce <bootstrap> <topic> <partitions> <prefix> <per-second>`: an idempotent producer
 *   (acks=all) writing `<prefix>-<n>` round-robin over the partitions. Each delivery report is a
 *   line `ok <value> <partition> <offset>` or `indeterminate <value> <partition>`.
 * - `txn <bootstrap> <topic> <partitions> <prefix> <per-second> <transactional.id>`: a
 *   transactional producer, five records a transaction; every fourth transaction is aborted on
 *   purpose (`aborted ...` lines), the others committed (`ok ...`), a failed one is aborted or
 *   the producer replaced (`indeterminate ...`).
 * - `read <bootstrap> <topic>...`: a read_committed consumer (no group: assigned every
 *   partition from the beginning) printing `read <topic> <partition> <offset> <value>`.
 *
 * Every mode runs until its stdin closes; then producers flush and readers read up to the end
 * (high watermarks fetched at that moment; a reader idle for 20 s short of one prints
 * `short <topic> <partition> <position> <high watermark>`), and the script prints `done`.
 */
export const LIBRDKAFKA_SCRIPT = String.raw`
import sys, threading, time
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

mode, bootstrap = sys.argv[1], sys.argv[2]
stop = threading.Event()
def wait_stdin():
    sys.stdin.read()
    stop.set()
threading.Thread(target=wait_stdin, daemon=True).start()
lock = threading.Lock()
def out(line):
    with lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()

common = {'bootstrap.servers': bootstrap, 'socket.timeout.ms': 5000, 'topic.metadata.refresh.interval.ms': 2000,
          'reconnect.backoff.max.ms': 1000, 'retry.backoff.ms': 100}

def report(err, msg):
    value = msg.value().decode()
    if err is None:
        out('ok %s %d %d' % (value, msg.partition(), msg.offset()))
    else:
        out('indeterminate %s %d %s' % (value, msg.partition(), err.name()))

if mode == 'produce':
    topic, partitions, prefix, rate = sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
    p = Producer(dict(common, **{'enable.idempotence': True, 'acks': 'all', 'linger.ms': 5, 'message.timeout.ms': 120000}))
    n = 0
    while not stop.is_set():
        value = '%s-%d' % (prefix, n)
        p.produce(topic, value.encode(), partition=n % partitions, on_delivery=report)
        n += 1
        p.poll(1.0 / rate)
    left = p.flush(120)
    out('done %d' % left)

elif mode == 'txn':
    topic, partitions, prefix, rate, tid = sys.argv[3], int(sys.argv[4]), sys.argv[5], float(sys.argv[6]), sys.argv[7]
    conf = dict(common, **{'transactional.id': tid, 'linger.ms': 5, 'transaction.timeout.ms': 60000, 'message.timeout.ms': 60000})
    def new_producer():
        while True:
            try:
                p = Producer(conf)
                p.init_transactions(30)
                return p
            except KafkaException as e:
                out('log init_transactions: %s' % e)
                time.sleep(0.5)
    p = new_producer()
    n = 0
    t = 0
    while not stop.is_set():
        offsets = {}
        def delivered(err, msg):
            if err is None:
                offsets[msg.value().decode()] = msg.offset()
        values = []
        try:
            p.begin_transaction()
            for _ in range(5):
                value, part = '%s-%d' % (prefix, n), n % partitions
                values.append((value, part))
                n += 1
                p.produce(topic, value.encode(), partition=part, on_delivery=delivered)
                p.poll(0)
            if t % 4 == 3:
                p.abort_transaction(30)
                for value, part in values:
                    out('aborted %s %d' % (value, part))
            else:
                p.commit_transaction(30)
                p.poll(0)
                for value, part in values:
                    out('ok %s %d %s' % (value, part, offsets.get(value, -1)))
        except KafkaException as e:
            err = e.args[0]
            out('log transaction %d: %s' % (t, err))
            for value, part in values:
                out('indeterminate %s %d' % (value, part))
            recovered = False
            if err.txn_requires_abort():
                try:
                    p.abort_transaction(30)
                    recovered = True
                except KafkaException as e2:
                    out('log abort: %s' % e2)
            if not recovered:
                p = new_producer()
        t += 1
        time.sleep(5.0 / rate)
    out('done 0')

elif mode == 'read':
    topics = sys.argv[3:]
    c = Consumer(dict(common, **{'group.id': 'unused', 'isolation.level': 'read_committed', 'enable.auto.commit': False,
                                  'auto.offset.reset': 'earliest', 'enable.partition.eof': False}))
    meta = c.list_topics(timeout=30)
    parts = [TopicPartition(t, p, -2) for t in topics for p in meta.topics[t].partitions]
    c.assign(parts)
    ends = None
    idle_since = None
    while True:
        msgs = c.consume(500, 0.2)
        for m in msgs:
            if m.error():
                out('log %s' % m.error())
                continue
            out('read %s %d %d %s' % (m.topic(), m.partition(), m.offset(), m.value().decode()))
        if not stop.is_set():
            continue
        if ends is None:
            ends = {}
            for tp in parts:
                lo, hi = c.get_watermark_offsets(tp, timeout=30, cached=False)
                ends[(tp.topic, tp.partition)] = hi
        if msgs or idle_since is None:
            idle_since = time.time()
        positions = c.position(parts)
        short = [tp for tp in positions if tp.offset < ends[(tp.topic, tp.partition)]]
        if not short:
            break
        # Trailing transaction markers: the position may stop short of the high watermark.
        if time.time() - idle_since > 20:
            for tp in short:
                out('short %s %d %d %d' % (tp.topic, tp.partition, tp.offset, ends[(tp.topic, tp.partition)]))
            break
    c.close()
    out('done 0')
`;
