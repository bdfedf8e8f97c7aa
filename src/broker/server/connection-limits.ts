import { isIP } from 'node:net';

/** Kafka's connection quotas, read again for every new connection (they are dynamic in Kafka). */
export interface ConnectionLimitSettings {
  /** max.connections: open connections on this listener. */
  readonly maxConnections: number;
  /** max.connections.per.ip: open connections from one address. */
  readonly maxConnectionsPerIp: number;
  /** max.connections.per.ip.overrides: `ip:count,ip:count`. */
  readonly maxConnectionsPerIpOverrides: string;
}

/**
 * Counts open connections, in total and per client address, and says whether one more may
 * open (Kafka's ConnectionQuotas). The caller closes a refused socket at once.
 */
export class ConnectionLimits {
  private readonly perIp = new Map<string, number>();
  private total = 0;
  private parsedOverrides: { text: string; counts: Map<string, number> } = { text: '', counts: new Map() };

  constructor(private readonly settings: () => ConnectionLimitSettings) {}

  /**
   * Takes a slot for a connection from `address`, or says which limit refuses it (the slot is
   * then not taken).
   */
  tryAcquire(address: string): { refused: string } | null {
    const ip = normalizeIp(address);
    const limits = this.settings();
    const fromIp = this.perIp.get(ip) ?? 0;
    const ipLimit = this.overrides(limits.maxConnectionsPerIpOverrides).get(ip) ?? limits.maxConnectionsPerIp;
    if (fromIp >= ipLimit) return { refused: `${ip} already has the configured maximum of ${ipLimit} connections (max.connections.per.ip${ipLimit === limits.maxConnectionsPerIp ? '' : '.overrides'})` };
    if (this.total >= limits.maxConnections) return { refused: `the broker already has the configured maximum of ${limits.maxConnections} connections (max.connections)` };
    this.perIp.set(ip, fromIp + 1);
    this.total++;
    return null;
  }

  release(address: string): void {
    const ip = normalizeIp(address);
    const count = this.perIp.get(ip) ?? 0;
    if (count <= 1) this.perIp.delete(ip);
    else this.perIp.set(ip, count - 1);
    this.total = Math.max(0, this.total - 1);
  }

  private overrides(text: string): Map<string, number> {
    if (text === this.parsedOverrides.text) return this.parsedOverrides.counts;
    const counts = new Map<string, number>();
    for (const entry of text.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
      const at = entry.lastIndexOf(':');
      counts.set(normalizeIp(entry.slice(0, at).replace(/^\[|\]$/g, '')), Number(entry.slice(at + 1)));
    }
    this.parsedOverrides = { text, counts };
    return counts;
  }
}

/** An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d; count it under a.b.c.d. */
function normalizeIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  return isIP(address) === 6 ? address.toLowerCase() : address;
}
