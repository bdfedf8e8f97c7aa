import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../support/logger.js';

export interface MetricsServerOptions {
  /** 0 picks a free port (read it from `port` after start). */
  port: number;
  /** Default: all interfaces. */
  host?: string;
  /** Serve `/health` and `/ready` too (default true). */
  health?: boolean;
}

export interface HealthEndpoints {
  /** JSON body and whether the application is healthy. */
  health(): Promise<{ up: boolean; body: unknown }>;
  ready(): boolean;
}

/**
 * `/metrics` (Prometheus text format), `/health` and `/ready` on node:http: three read-only
 * routes need no web framework, and the application gains no dependency for them.
 */
export class MetricsServer {
  private server: Server | undefined;

  constructor(
    private readonly options: MetricsServerOptions,
    private readonly registry: Registry,
    private readonly endpoints: HealthEndpoints,
    private readonly logger: Logger,
  ) {}

  /** The bound port (the chosen one when configured as 0); undefined when not listening. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.logger.warn(`Metrics endpoint ${request.url} failed`, error);
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('internal error\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'method not allowed\n');
    if (path === '/metrics') return send(response, 200, this.registry.contentType, await this.registry.metrics());
    if (this.options.health !== false && path === '/health') {
      const { up, body } = await this.endpoints.health();
      return send(response, up ? 200 : 503, 'application/json', JSON.stringify(body));
    }
    if (this.options.health !== false && path === '/ready') {
      const ready = this.endpoints.ready();
      return send(response, ready ? 200 : 503, 'application/json', JSON.stringify({ status: ready ? 'UP' : 'DOWN' }));
    }
    send(response, 404, 'text/plain', 'not found\n');
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(body);
}
