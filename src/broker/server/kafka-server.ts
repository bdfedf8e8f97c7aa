import { createServer, type Server, type Socket } from 'node:net';
import { Connection, type ConnectionOptions } from './connection.js';

export interface KafkaServerOptions extends ConnectionOptions {
  /** Whether to take a new connection (fault injection refuses them); default: always. */
  acceptsConnections?: () => boolean;
}

/** The TCP listener: accepts connections and tracks them so that stop() can close them all. */
export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();

  constructor(private readonly options: KafkaServerOptions) {
    this.server = createServer((socket: Socket) => {
      if (this.options.acceptsConnections && !this.options.acceptsConnections()) {
        socket.destroy();
        return;
      }
      const connection = new Connection(socket, this.options);
      this.connections.add(connection);
      socket.on('close', () => this.connections.delete(connection));
    });
  }

  /** Listens and resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Closes every open connection and goes on listening (a network fault, not a shutdown). */
  dropConnections(): void {
    for (const connection of this.connections) connection.close();
    this.connections.clear();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.close();
    this.connections.clear();
    await closed;
  }
}
