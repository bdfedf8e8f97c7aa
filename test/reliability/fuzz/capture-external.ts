/**
 * Drives kcat and the two Python clients (confluent-kafka, kafka-python) through their
 * producers, consumers (plain and in a group) and admin calls, for the fuzz corpus.
 */
import { runProcess } from '../../support/produced-batches.js';

const KCAT = '/usr/bin/kcat';
const PYTHON = '/usr/bin/python3';

type Step = (name: string, run: () => Promise<unknown>) => Promise<void>;

async function run(command: string, args: readonly string[], input = '', timeoutMs = 30_000): Promise<void> {
  const result = await runProcess(command, args, { input, timeoutMs });
  if (result.code !== 0 || result.timedOut) throw new Error(`${command === PYTHON ? 'python3' : args.join(' ')}: code ${result.code}${result.timedOut ? ' (timed out)' : ''} ${result.stderr.slice(-300)}`);
}

export async function driveKcat(bootstrap: string, step: Step): Promise<void> {
  const topic = 'fuzz-kcat';
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    await step(`kcat produce -z ${codec}`, () =>
      run(KCAT, ['-b', bootstrap, '-P', '-t', topic, '-z', codec, '-K', ':', '-X', 'topic.request.required.acks=all'], `k1:${codec} one\nk2:${codec} two\n`),
    );
  }
  await step('kcat -L', () => run(KCAT, ['-b', bootstrap, '-L']));
  await step('kcat consume', () => run(KCAT, ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']));
  await step('kcat consumer group -G', () =>
    run(KCAT, ['-b', bootstrap, '-G', 'fuzz-kcat-group', '-o', 'beginning', '-e', '-q', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', topic], '', 30_000),
  );
}

const CONFLUENT = String.raw`
import sys
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
bootstrap = sys.argv[1]
admin = AdminClient({'bootstrap.servers': bootstrap})
for f in admin.create_topics([NewTopic('fuzz-confluent', 2, 1), NewTopic('fuzz-confluent-doomed', 1, 1)]).values(): f.result(10)
for f in admin.create_partitions([NewPartitions('fuzz-confluent', 3)]).values(): f.result(10)
for f in admin.describe_configs([ConfigResource('topic', 'fuzz-confluent')]).values(): f.result(10)
for codec in ['none', 'gzip', 'snappy', 'lz4', 'zstd']:
    p = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'enable.idempotence': codec == 'zstd'})
    for i in range(3): p.produce('fuzz-confluent', key=b'k%d' % i, value=(codec + ' value ') .encode() * 4, headers=[('h', b'v')])
    p.flush(10)
tp = Producer({'bootstrap.servers': bootstrap, 'transactional.id': 'fuzz-confluent-tx'})
tp.init_transactions(10)
tp.begin_transaction()
tp.produce('fuzz-confluent', value=b'in a transaction')
tp.commit_transaction(10)
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'fuzz-confluent-group', 'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000})
c.subscribe(['fuzz-confluent'])
seen = 0
for _ in range(60):
    m = c.poll(0.5)
    if m is not None and m.error() is None: seen += 1
    if seen >= 5: break
c.commit(asynchronous=False)
c.committed([TopicPartition('fuzz-confluent', 0)], 10)
c.close()
admin.list_groups(timeout=10)
admin.list_groups('fuzz-confluent-group', timeout=10)
for f in admin.delete_topics(['fuzz-confluent-doomed']).values(): f.result(10)
print('seen', seen)
`;

const KAFKA_PYTHON = String.raw`
import sys
from kafka import KafkaProducer, KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic, NewPartitions, ConfigResource, ConfigResourceType
bootstrap = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
admin.create_topics([NewTopic('fuzz-kafka-python', 2, 1), NewTopic('fuzz-kafka-python-doomed', 1, 1)])
admin.create_partitions({'fuzz-kafka-python': NewPartitions(3)})
admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'fuzz-kafka-python')])
admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'fuzz-kafka-python', configs={'retention.ms': '3600000'})])
for codec in [None, 'gzip']:
    p = KafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, acks='all')
    for i in range(3): p.send('fuzz-kafka-python', key=b'k%d' % i, value=b'kafka-python value ' * 4, headers=[('h', b'v')])
    p.flush(10)
    p.close()
c = KafkaConsumer('fuzz-kafka-python', bootstrap_servers=bootstrap, group_id='fuzz-kafka-python-group', auto_offset_reset='earliest', consumer_timeout_ms=5000, session_timeout_ms=6000)
seen = sum(1 for _ in c)
c.commit()
c.close()
admin.list_consumer_groups()
admin.describe_consumer_groups(['fuzz-kafka-python-group'])
admin.list_consumer_group_offsets('fuzz-kafka-python-group')
admin.delete_topics(['fuzz-kafka-python-doomed'])
admin.close()
print('seen', seen)
`;

export async function drivePython(bootstrap: string, step: Step): Promise<void> {
  await step('confluent-kafka (admin, producer per codec, transaction, group consumer)', () => run(PYTHON, ['-c', CONFLUENT, bootstrap], '', 90_000));
  await step('kafka-python (admin, producer, group consumer)', () => run(PYTHON, ['-c', KAFKA_PYTHON, bootstrap], '', 90_000));
}
