import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ListenerSecurity } from '../security/listener-security.js';
import { Connection, type ConnectionOptions, type ConnectionStats } from './connection.js';
import { ConnectionLimits, type ConnectionLimitSettings } from './connection-limits.js';

export interface KafkaServerOptions extends ConnectionOptions {
  /** Whether to take a new connection (fault injection refuses them); default: always. */
  acceptsConnections?: () => boolean;
  /** max.connections, max.connections.per.ip and its overrides, read for every new connection. */
  connectionLimits?: () => ConnectionLimitSettings;
  /** The listener this server is (TLS, SASL); default: a PLAINTEXT listener. */
  security?: ListenerSecurity;
}

const UNLIMITED: ConnectionLimitSettings = { maxConnections: 2 ** 31 - 1, maxConnectionsPerIp: 2 ** 31 - 1, maxConnectionsPerIpOverrides: '' };

/**
 * The TCP listener: accepts connections within the connection limits and tracks them so that
 * stop() can close them all.
 */
export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly limits: ConnectionLimits;

  constructor(private readonly options: KafkaServerOptions) {
    this.limits = new ConnectionLimits(options.connectionLimits ?? (() => UNLIMITED));
    const tls = options.security?.tls;
    if (tls) {
      // Connections count once the TLS handshake is done: no Kafka byte flows before it.
      const server = createTlsServer(tls.serverOptions, (socket) => this.accept(socket));
      server.on('tlsClientError', (error, socket) => {
        options.logger.debug(`TLS handshake with ${socket.remoteAddress}:${socket.remotePort} failed: ${error.message}`);
      });
      this.server = server;
    } else {
      this.server = createServer((socket: Socket) => this.accept(socket));
    }
  }

  private accept(socket: Socket): void {
    if (this.options.acceptsConnections && !this.options.acceptsConnections()) {
      socket.destroy();
      return;
    }
    const refused = this.options.security?.refuse(socket) ?? null;
    if (refused !== null) {
      this.options.logger.warn(`closing connection from ${socket.remoteAddress}:${socket.remotePort}: ${refused}`);
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const address = socket.remoteAddress ?? '';
    const quota = this.limits.tryAcquire(address);
    if (quota !== null) {
      // Kafka closes a connection over its quota at once (TooManyConnectionsException); the client retries.
      this.options.logger.warn(`refusing connection from ${address}:${socket.remotePort}: ${quota.refused}`);
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    const security = this.options.security;
    const connection = new Connection(socket, security ? { ...this.options, newSession: (s) => security.newSession(s) } : this.options);
    this.connections.add(connection);
    socket.on('close', () => {
      if (this.connections.delete(connection)) this.limits.release(address);
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

  /** What every open connection holds (tests and diagnostics). */
  connectionStats(): ConnectionStats[] {
    return [...this.connections].map((c) => c.stats);
  }

  /** Closes every open connection and goes on listening (a network fault, not a shutdown). */
  dropConnections(): void {
    for (const connection of this.connections) connection.close();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections) connection.close();
    await closed;
  }
}
