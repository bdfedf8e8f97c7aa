/**
 * `npm run fuzz:capture`: regenerates corpus/frames.json. Starts an in-process broker bound to
 * 127.0.0.2:P that advertises 127.0.0.1:P, puts the recording proxy on 127.0.0.1:P (so every
 * connection the clients open, bootstrap or not, goes through it), drives kafkajs, kcat,
 * confluent-kafka and kafka-python, and stores the deduplicated request frames.
 */
import { EmbeddedKafka } from '../../../src/broker/embedded-kafka.js';
import { consoleLogger } from '../../../src/broker/logger.js';
import { killChildren } from '../../support/produced-batches.js';
import { driveKcat, drivePython } from './capture-external.js';
import { driveKafkajs } from './capture-kafkajs.js';
import { corpusPath, dedupe, saveCorpus, type CorpusFrame } from './corpus.js';
import { startRecordingProxy } from './recording-proxy.js';

async function main(): Promise<void> {
  const started = Date.now();
  let brokerPort = 0;
  const proxy = await startRecordingProxy('127.0.0.1', 0, { host: '127.0.0.2', port: () => brokerPort });
  const kafka = await EmbeddedKafka.start({
    port: proxy.port,
    host: '127.0.0.2',
    advertisedHost: '127.0.0.1',
    logger: consoleLogger('silent', 'capture'),
    config: { 'num.partitions': 1 },
  });
  brokerPort = proxy.port;
  const bootstrap = `127.0.0.1:${proxy.port}`;
  const failures: string[] = [];
  const step = async (name: string, run: () => Promise<unknown>): Promise<void> => {
    proxy.source = name;
    const before = proxy.frames.length;
    try {
      await run();
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
    console.log(`${name}: ${proxy.frames.length - before} frames`);
  };
  try {
    await driveKafkajs(bootstrap, step);
    await driveKcat(bootstrap, step);
    await drivePython(bootstrap, step);
  } finally {
    killChildren();
    await proxy.close();
    await kafka.stop();
  }
  const frames: CorpusFrame[] = proxy.frames.map((f) => ({
    source: f.source,
    apiKey: f.frame.length >= 2 ? f.frame.readInt16BE(0) : -1,
    apiVersion: f.frame.length >= 4 ? f.frame.readInt16BE(2) : -1,
    frame: f.frame,
  }));
  const kept = dedupe(frames);
  saveCorpus(kept);
  const apis = [...new Set(kept.map((f) => `${f.apiKey}v${f.apiVersion}`))];
  console.log(`${frames.length} frames recorded, ${kept.length} kept (${apis.length} API versions: ${apis.join(' ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${corpusPath()}`);
  for (const failure of failures) console.log(`step failed (its frames are kept): ${failure}`);
}

await main();
