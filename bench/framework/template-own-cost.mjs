// What KafkaTemplate itself costs per send, without kafkajs or a broker: a producer factory
// that answers every request at once (on the next turn of the event loop, as a response would
// come). Client CPU per send for windows of 1,000 concurrent sends and for awaited sends.
//
//   npm run build && node bench/framework/template-own-cost.mjs
import { KafkaTemplate, ProducerFactory, silentLogger, StringSerializer } from '../../dist/index.js';
import { median } from './broker-process.mjs';

class AnsweringFactory extends ProducerFactory {
  keySerializer = new StringSerializer();
  valueSerializer = new StringSerializer();
  next = 0;
  createProducer() {
    return Promise.reject(new Error('no producer: requests are answered by the factory'));
  }
  async close() {}
  partitionFor(_topic, message) {
    message.partition ??= this.next++ % 6;
    return message.partition;
  }
  leaderOf() {
    return 1;
  }
  async sendRecords([{ topic, messages }]) {
    await new Promise((resolve) => setImmediate(resolve));
    const partitions = new Set(messages.map((m) => m.partition));
    return [...partitions].map((partition) => ({ topicName: topic, partition, errorCode: 0, baseOffset: '0', logAppendTime: '-1' }));
  }
}

const template = new KafkaTemplate(new AnsweringFactory(), { logger: silentLogger, producerListener: {} });
const value = 'x'.repeat(100);

async function cpuPerSend(run, sends) {
  const cpu = process.cpuUsage();
  await run(sends);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / sends;
}
const concurrent = async (sends) => {
  for (let s = 0; s < sends; s += 1000) await Promise.all(Array.from({ length: 1000 }, () => template.send('t', value)));
};
const awaited = async (sends) => {
  for (let s = 0; s < sends; s++) await template.send('t', value);
};

await cpuPerSend(concurrent, 50_000);
await cpuPerSend(awaited, 20_000);
/** @type {{ concurrent: number[], awaited: number[] }} */
const results = { concurrent: [], awaited: [] };
for (let round = 0; round < 5; round++) {
  results.concurrent.push(await cpuPerSend(concurrent, 200_000));
  results.awaited.push(await cpuPerSend(awaited, 50_000));
}
console.log(`KafkaTemplate's own CPU per send (median of 5 rounds): ${median(results.concurrent).toFixed(2)} µs in windows of 1,000 concurrent sends, ${median(results.awaited).toFixed(2)} µs awaited one at a time`);
