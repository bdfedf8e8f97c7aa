/** After the fuzzing: a real client (kafkajs) must still create a topic, produce and consume. */
import kafkajs from 'kafkajs';

// kafkajs is CommonJS: under plain Node only its default export is importable by name.
const { Kafka, logLevel } = kafkajs;

/** Resolves with the values read back; rejects if any step fails or takes over `timeoutMs`. */
export async function produceAndConsume(bootstrap: string, topic: string, timeoutMs = 30_000): Promise<string[]> {
  const kafka = new Kafka({ clientId: 'fuzz-check', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 200 } });
  const values = ['after-fuzz-1', 'after-fuzz-2', 'after-fuzz-3'];
  const admin = kafka.admin();
  const producer = kafka.producer();
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 200 });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`produce/consume did not finish within ${timeoutMs} ms`)), timeoutMs)));
  const work = (async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, messages: values.map((value) => ({ value })) });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? '');
          if (seen.length === values.length) resolve();
        },
      });
    });
    return seen;
  })();
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  }
}
