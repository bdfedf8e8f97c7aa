// What a subcommand module exports, and small output helpers the commands share.
import { ClusterClient, type ClusterClientOptions } from '../client/cluster-client.js';
import { CLIENT_VERSION } from './version.js';

export interface Command {
  name: string;
  /** One line for `streamwright --help`. */
  summary: string;
  usage: string;
  /** Runs with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[]): Promise<number>;
}

/** Writes to stdout, waiting when the pipe is full (a slow reader must not make us buffer all). */
export function writeOut(data: string | Buffer): Promise<void> | void {
  if (process.stdout.write(data)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Resolves with the name of the first of the signals that arrives. */
export function onceSignal(signals: readonly NodeJS.Signals[]): { promise: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = () => {};
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      dispose();
      resolve(signal);
    };
    for (const s of signals) process.on(s, handler);
    dispose = () => {
      for (const s of signals) process.off(s, handler);
    };
  });
  return { promise, dispose };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Connects to a cluster, runs an admin command's action and closes the connections. A
 * failure prints `errorPrefix` and the error on stderr and exits 1, as Kafka's tools do.
 */
export async function withClusterClient(
  bootstrapServers: string,
  clientId: string,
  errorPrefix: string,
  action: (client: ClusterClient) => Promise<number>,
  security: Pick<ClusterClientOptions, 'tls' | 'sasl'> = {},
): Promise<number> {
  let client: ClusterClient | null = null;
  try {
    client = await ClusterClient.connect({ bootstrapServers, clientId, softwareVersion: CLIENT_VERSION, ...security });
    return await action(client);
  } catch (error) {
    process.stderr.write(`${errorPrefix}${errorMessage(error)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
