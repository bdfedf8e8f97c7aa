// The real broker as a child process for the throughput benchmark, so that the client under
// test and the broker never share an event loop (the stub runs the same way).
//
//   node bench/broker/broker-server.mjs      # prints "LISTENING 127.0.0.1:<port>"
//
// Data lives in a fresh temp dir, removed on SIGTERM/SIGINT. Exits cleanly on those signals,
// so `node --cpu-prof bench/broker/broker-server.mjs` writes a profile of its whole life.
// When spawned with an IPC channel, the messages { profile: 'start' } and
// { profile: 'stop', file } profile just a window (the same V8 CPU profiler, through
// node:inspector); the reply { profiled: file } says the profile is written.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedKafka } from '../../dist/broker/index.js';

const dataDir = mkdtempSync(join(tmpdir(), 'streamwright-bench-broker-'));
// --secure: PLAINTEXT, SSL and SASL_SSL listeners with a throwaway CA and the SCRAM/PLAIN user
// bench/bench-secret; prints `LISTENERS {"PLAINTEXT":"host:port",...}` and `CA <pem file>` too.
const secure = process.argv.includes('--secure');
const kafka = await EmbeddedKafka.start(
  secure
    ? { dataDir, listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0', tls: true, sasl: { users: [{ username: 'bench', password: 'bench-secret' }] } }
    : { dataDir },
);
if (secure) {
  const caFile = join(dataDir, 'ca.pem');
  if (!kafka.tls) throw new Error('the secure broker has no throwaway certificates');
  writeFileSync(caFile, kafka.tls.ca);
  const listeners = Object.fromEntries(['PLAINTEXT', 'SSL', 'SASL_SSL'].map((name) => [name, kafka.bootstrapServersFor(name)[0]]));
  console.log(`LISTENERS ${JSON.stringify(listeners)}`);
  console.log(`CA ${caFile}`);
}
console.log(`LISTENING ${kafka.bootstrapServers[0]}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await kafka.stop();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

if (process.send) {
  // If the parent dies without signalling us, do not linger.
  process.on('disconnect', stop);
  /** @type {Session | null} */
  let session = null;
  const send = process.send.bind(process);
  process.on('message', async (/** @type {{ profile?: 'start' | 'stop', file?: string } | undefined} */ message) => {
    if (message?.profile === 'start' && !session) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      send({ profiling: true });
    } else if (message?.profile === 'stop' && session) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      writeFileSync(String(message.file), JSON.stringify(profile));
      send({ profiled: message.file });
    }
  });
}
