# kafka-python 2.0.2 consumers for the group tests. MODE=group: subscribe with a group and
# read COUNT records, committing as it goes. MODE=assign: assign partition 0 by hand, read
# COUNT records and commit the next offset (a "simple" commit with generation -1).
import json, os, sys
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

bootstrap, group, topic = os.environ['BOOTSTRAP'], os.environ['GROUP'], os.environ['TOPIC']
count = int(os.environ['COUNT'])
if os.environ['MODE'] == 'group':
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                             enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=500,
                             consumer_timeout_ms=30000, client_id='kafka-python-test')
    seen = 0
    for message in consumer:
        print(json.dumps({'p': message.partition, 'o': message.offset}), flush=True)
        consumer.commit()
        seen += 1
        if seen == count:
            break
    consumer.close()
else:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, client_id='kafka-python-assign')
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    committed = consumer.committed(tp)
    print(json.dumps({'committed_before': committed}), flush=True)
    if committed is None:
        consumer.seek_to_beginning(tp)
    seen = 0
    last = None
    while seen < count:
        for records in consumer.poll(timeout_ms=1000).values():
            for message in records:
                if seen < count:
                    print(json.dumps({'p': message.partition, 'o': message.offset}), flush=True)
                    last = message.offset
                    seen += 1
    consumer.commit({tp: OffsetAndMetadata(last + 1, 'from-kafka-python')})
    print(json.dumps({'committed': consumer.committed(tp)}), flush=True)
    consumer.close()
