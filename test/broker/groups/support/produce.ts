import { Kafka, logLevel } from 'kafkajs';

/** Produces `count` keyed records (spread over the partitions by key) with kafkajs. */
export async function produce(bootstrap: string, topic: string, count: number, prefix = 'r'): Promise<void> {
  const producer = new Kafka({ clientId: 'group-test-producer', brokers: [bootstrap], logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix}-value-${i}` })) });
  } finally {
    await producer.disconnect();
  }
}

/** The records a consumer process printed as {"p":..,"o":..} lines. */
export function consumedRecords(lines: readonly string[]): Array<{ p: number; o: number }> {
  return lines.filter((l) => l.startsWith('{"p"')).map((l) => JSON.parse(l) as { p: number; o: number });
}
