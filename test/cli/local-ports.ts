import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';

// The kafkajs suite layouts use fixed ports on `localhost`: tests probe for a free base first.

/** Where `--advertised-host localhost` makes the broker bind: the first address `localhost` resolves to when it is a loopback address. */
export async function bindAddressOfLocalhost(): Promise<string> {
  const { address } = await lookup('localhost');
  return address === '::1' || address.startsWith('127.') ? address : '127.0.0.1';
}

/** Whether nothing listens on `port` of `host` right now. */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
