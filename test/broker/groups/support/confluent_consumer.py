# A librdkafka (confluent-kafka-python) group consumer for the group tests.
# Prints {"p":partition,"o":offset} per record, commits synchronously after each one, and
# leaves the group cleanly on SIGTERM. Config comes from the environment.
import json, os, signal, sys
from confluent_kafka import Consumer

running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)

config = {
    'bootstrap.servers': os.environ['BOOTSTRAP'],
    'group.id': os.environ['GROUP'],
    'client.id': os.environ.get('CLIENT_ID', 'confluent-test'),
    'partition.assignment.strategy': os.environ.get('STRATEGY', 'range'),
    'session.timeout.ms': int(os.environ.get('SESSION_TIMEOUT', '6000')),
    'heartbeat.interval.ms': int(os.environ.get('HEARTBEAT_INTERVAL', '300')),
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': False,
    'topic.metadata.refresh.interval.ms': 1000,
}
if os.environ.get('INSTANCE_ID'):
    config['group.instance.id'] = os.environ['INSTANCE_ID']
consumer = Consumer(config)
consumer.subscribe([os.environ['TOPIC']])
print('started', flush=True)
while running:
    message = consumer.poll(0.1)
    if message is None:
        continue
    if message.error():
        print(json.dumps({'error': str(message.error())}), flush=True)
        continue
    consumer.commit(message=message, asynchronous=False)
    print(json.dumps({'p': message.partition(), 'o': message.offset()}), flush=True)
consumer.close()
print('closed', flush=True)
