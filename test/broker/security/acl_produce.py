"""Produces one record as a SASL/PLAIN user and prints the outcome, for acl-authorization.test.ts.

usage: acl_produce.py CLIENT BOOTSTRAP USER PASSWORD TOPIC
CLIENT: confluent (confluent-kafka / librdkafka) or kafkapython (kafka-python).
Prints {"ok": true} or {"error": "<Kafka error name or exception type>"}.
"""
import json
import sys

client, bootstrap, user, password, topic = sys.argv[1:6]


def confluent():
    from confluent_kafka import Producer
    outcome = []
    producer = Producer({'bootstrap.servers': bootstrap, 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN',
                         'sasl.username': user, 'sasl.password': password, 'message.timeout.ms': 10000})
    producer.produce(topic, value=b'v', on_delivery=lambda err, msg: outcome.append(err))
    producer.flush(12)
    err = outcome[0] if outcome else None
    return {'ok': True} if err is None else {'error': err.name()}


def kafkapython():
    from kafka import KafkaProducer
    from kafka.errors import KafkaError
    producer = KafkaProducer(bootstrap_servers=bootstrap, security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN',
                             sasl_plain_username=user, sasl_plain_password=password, api_version=(2, 4, 0), max_block_ms=8000)
    try:
        producer.send(topic, b'v').get(timeout=10)
        return {'ok': True}
    except KafkaError as error:
        return {'error': type(error).__name__}
    finally:
        producer.close(timeout=2)


print(json.dumps(confluent() if client == 'confluent' else kafkapython()))
