"""Python Kafka clients driven by python-clients.test.ts (run with /usr/bin/python3).

usage: python_clients.py CLIENT ACTION BOOTSTRAP TOPIC COUNT [GROUP]

CLIENT: confluent (confluent-kafka 1.7.0 / librdkafka 2.0.2) or kafkapython (kafka-python 2.0.2)
ACTION: produce  - COUNT records to partitions i % 2 with key, value and one header; prints
                   {"offsets": [[partition, offset], ...]} in send order
        assign   - reads COUNT records from the beginning of partitions 0 and 1 with assign()
        group    - reads COUNT records through consumer group GROUP (earliest), commits, leaves
Consumers print a JSON list of [partition, offset, key, value, [[header, value], ...]].
"""
import json
import sys
import time

client, action, bootstrap, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
group = sys.argv[6] if len(sys.argv) > 6 else None
DEADLINE = time.time() + 30


def key(i):
    return ('%s-key-%d' % (client, i)).encode()


def value(i):
    return ('%s value %d ' % (client, i) + 'repetitive payload ' * (i % 5)).encode()


def headers(i):
    return [('index', str(i).encode()), ('client', client.encode())]


def confluent():
    from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
    if action == 'produce':
        producer = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'linger.ms': 20,
                             'compression.type': 'gzip', 'message.timeout.ms': 20000})
        offsets = [None] * count
        errors = []

        def delivered(i):
            def callback(err, msg):
                if err is not None:
                    errors.append(str(err))
                else:
                    offsets[i] = [msg.partition(), msg.offset()]
            return callback

        for i in range(count):
            producer.produce(topic, key=key(i), value=value(i), headers=headers(i), partition=i % 2, on_delivery=delivered(i))
            producer.poll(0)
        remaining = producer.flush(25)
        if errors or remaining:
            raise SystemExit('delivery failed: %s (%d undelivered)' % (errors[:5], remaining))
        print(json.dumps({'offsets': offsets}))
        return
    config = {'bootstrap.servers': bootstrap, 'group.id': group or 'confluent-assign-unused',
              'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'session.timeout.ms': 10000}
    consumer = Consumer(config)
    if action == 'assign':
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in (0, 1)])
    else:
        consumer.subscribe([topic])
    out = []
    while len(out) < count and time.time() < DEADLINE:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == -191:  # _PARTITION_EOF
                continue
            raise SystemExit('consume error: %s' % msg.error())
        out.append([msg.partition(), msg.offset(), msg.key().decode(), msg.value().decode(),
                    [[k, v.decode()] for k, v in (msg.headers() or [])]])
    if action == 'group':
        consumer.commit(asynchronous=False)
    consumer.close()
    print(json.dumps(out))


def kafkapython():
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    if action == 'produce':
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', linger_ms=20, compression_type='gzip',
                                 request_timeout_ms=20000, max_block_ms=20000)
        futures = [producer.send(topic, key=key(i), value=value(i), headers=headers(i), partition=i % 2) for i in range(count)]
        producer.flush(timeout=25)
        offsets = []
        for f in futures:
            md = f.get(timeout=25)
            offsets.append([md.partition, md.offset])
        producer.close(timeout=5)
        print(json.dumps({'offsets': offsets}))
        return
    if action == 'assign':
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=30000)
        partitions = [TopicPartition(topic, p) for p in (0, 1)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
    else:
        consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                 auto_offset_reset='earliest', session_timeout_ms=10000, heartbeat_interval_ms=1000,
                                 request_timeout_ms=30000)
    out = []
    while len(out) < count and time.time() < DEADLINE:
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                out.append([r.partition, r.offset, r.key.decode(), r.value.decode(), [[k, v.decode()] for k, v in r.headers]])
    if action == 'group':
        consumer.commit()
    consumer.close()
    print(json.dumps(out))


confluent() if client == 'confluent' else kafkapython()
