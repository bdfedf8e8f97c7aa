# A consume-transform-produce loop with librdkafka transactions (confluent-kafka-python):
# reads every record of IN_TOPIC as a member of GROUP, then
#   1. a transaction that writes "aborted-*" records and is aborted,
#   2. a transaction that writes "out-<value>" per input record, sends the consumer's
#      positions with send_offsets_to_transaction and commits.
# Then reads OUT_TOPIC with a read_committed consumer. Prints one JSON line per step.
import json, os, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, KafkaException

bootstrap = os.environ['BOOTSTRAP']
group = os.environ['GROUP']
in_topic = os.environ['IN_TOPIC']
out_topic = os.environ['OUT_TOPIC']
expected = int(os.environ['EXPECTED'])

def say(**fields):
    print(json.dumps(fields), flush=True)

consumer = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group,
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': False,
    'session.timeout.ms': 6000,
    'heartbeat.interval.ms': 300,
    'isolation.level': 'read_committed',
})
consumer.subscribe([in_topic])
records = []
deadline = time.time() + 30
while len(records) < expected and time.time() < deadline:
    message = consumer.poll(0.2)
    if message is None or message.error():
        continue
    records.append(message)
say(step='consumed', count=len(records))

producer = Producer({
    'bootstrap.servers': bootstrap,
    'transactional.id': os.environ['TRANSACTIONAL_ID'],
    'transaction.timeout.ms': 30000,
})
producer.init_transactions(30)
say(step='initialized')

producer.begin_transaction()
for i in range(3):
    producer.produce(out_topic, value=f'aborted-{i}'.encode())
producer.flush(10)
producer.abort_transaction(30)
say(step='aborted')

producer.begin_transaction()
for message in records:
    producer.produce(out_topic, key=message.key(), value=b'out-' + message.value())
positions = consumer.position(consumer.assignment())
producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
producer.commit_transaction(30)
say(step='committed', offsets={f'{tp.topic}:{tp.partition}': tp.offset for tp in positions})
consumer.close()

reader = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': group + '-reader',
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': False,
    'isolation.level': 'read_committed',
})
reader.assign([TopicPartition(out_topic, 0, 0)])
values = []
deadline = time.time() + 30
while len(values) < expected and time.time() < deadline:
    message = reader.poll(0.2)
    if message is None or message.error():
        continue
    values.append(message.value().decode())
# Anything more (an aborted record) would come before the end; poll a little to be sure none follows.
end = time.time() + 1
while time.time() < end:
    message = reader.poll(0.2)
    if message is not None and not message.error():
        values.append(message.value().decode())
reader.close()
say(step='read', values=values)
