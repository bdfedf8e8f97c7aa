// A kafkajs group consumer in its own process, so a test can kill it without a LeaveGroup.
// Prints one JSON line per record ({"p":partition,"o":offset}) and "joined" on each join.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const kafka = new Kafka({ clientId: process.env.CLIENT_ID, brokers: [process.env.BOOTSTRAP], logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100 } });
const consumer = kafka.consumer({
  groupId: process.env.GROUP,
  sessionTimeout: Number(process.env.SESSION_TIMEOUT),
  rebalanceTimeout: Number(process.env.REBALANCE_TIMEOUT),
  heartbeatInterval: Number(process.env.HEARTBEAT_INTERVAL),
  maxWaitTimeInMs: 200,
});
consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('joined\n'));
await consumer.connect();
await consumer.subscribe({ topic: process.env.TOPIC, fromBeginning: true });
await consumer.run({
  eachMessage: async ({ partition, message }) => {
    process.stdout.write(`${JSON.stringify({ p: partition, o: Number(message.offset) })}\n`);
    await new Promise((r) => setTimeout(r, Number(process.env.PROCESS_DELAY_MS ?? 0)));
  },
});
