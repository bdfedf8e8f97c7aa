"""Python Kafka clients over TLS and SASL, driven by clients-security.test.ts (run with /usr/bin/python3).

usage: secure_clients.py CLIENT BOOTSTRAP PROTOCOL MECHANISM USER PASSWORD CAFILE TOPIC

CLIENT: confluent (confluent-kafka 1.7.0 / librdkafka 2.0.2) or kafkapython (kafka-python 2.0.2)
PROTOCOL: SSL, SASL_PLAINTEXT or SASL_SSL; MECHANISM, USER, PASSWORD: "-" when unused.
Produces three records to TOPIC, reads them back through a consumer group and prints
{"values": [...]} ; a failure prints {"error": "<type>: <message>"} and exits 3.
"""
import json
import sys
import time

client, bootstrap, protocol, mechanism, user, password, cafile, topic = sys.argv[1:9]
VALUES = ['%s %s %d' % (client, protocol, i) for i in range(3)]


def confluent():
    from confluent_kafka import Consumer, Producer, KafkaException
    config = {'bootstrap.servers': bootstrap, 'security.protocol': protocol}
    if 'SSL' in protocol:
        config['ssl.ca.location'] = cafile
    if protocol.startswith('SASL'):
        config.update({'sasl.mechanisms': mechanism, 'sasl.username': user, 'sasl.password': password})
    errors = []
    producer = Producer(dict(config, **{'message.timeout.ms': 10000, 'error_cb': lambda e: errors.append(e)}))
    deadline = time.time() + 12
    delivered = []
    for v in VALUES:
        producer.produce(topic, value=v.encode(), on_delivery=lambda err, msg: delivered.append(err))
    # Stop waiting at the first error (an authentication failure is reported through error_cb).
    while len(delivered) < len(VALUES) and not errors and time.time() < deadline:
        producer.poll(0.1)
    if errors:
        raise SystemExit(report('KafkaError', str(errors[0])))
    if len(delivered) != len(VALUES) or any(delivered):
        raise SystemExit(report('DeliveryError', str(delivered)))
    consumer = Consumer(dict(config, **{'group.id': 'py-' + topic, 'auto.offset.reset': 'earliest', 'error_cb': lambda e: errors.append(e)}))
    consumer.subscribe([topic])
    got = []
    deadline = time.time() + 25
    while len(got) < len(VALUES) and time.time() < deadline and not errors:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            got.append(msg.value().decode())
    consumer.close()
    if errors:
        raise SystemExit(report('KafkaError', str(errors[0])))
    print(json.dumps({'values': got}))


def kafkapython():
    from kafka import KafkaConsumer, KafkaProducer
    config = {'bootstrap_servers': bootstrap, 'security_protocol': protocol, 'api_version': (2, 4, 0),
              'request_timeout_ms': 15000}
    if 'SSL' in protocol:
        config.update({'ssl_cafile': cafile, 'ssl_check_hostname': True})
    if protocol.startswith('SASL'):
        config.update({'sasl_mechanism': mechanism, 'sasl_plain_username': user, 'sasl_plain_password': password})
    producer = KafkaProducer(max_block_ms=4000, **config)
    for v in VALUES:
        producer.send(topic, v.encode()).get(timeout=15)
    producer.close()
    consumer = KafkaConsumer(topic, group_id='py-' + topic, auto_offset_reset='earliest', consumer_timeout_ms=20000, **config)
    got = []
    for msg in consumer:
        got.append(msg.value.decode())
        if len(got) == len(VALUES):
            break
    consumer.close()
    print(json.dumps({'values': got}))


def report(kind, message):
    print(json.dumps({'error': '%s: %s' % (kind, message)}))
    return 3


try:
    {'confluent': confluent, 'kafkapython': kafkapython}[client]()
except SystemExit:
    raise
except Exception as e:  # the test reads the client's own error
    raise SystemExit(report(type(e).__name__, str(e)))
