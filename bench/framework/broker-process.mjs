// Starts bench/broker/broker-server.mjs as a child process (the client under test never shares
// an event loop with the broker) and stops it again.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function startBrokerProcess() {
  const child = spawn(process.execPath, [join(here, '..', 'broker', 'broker-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const stdout = /** @type {import('node:stream').Readable} */ (child.stdout); // piped above
  let output = '';
  stdout.setEncoding('utf8');
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('broker did not start within 60 s')), 60_000);
    stdout.on('data', (chunk) => {
      output += chunk;
      const match = /LISTENING (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    address,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
