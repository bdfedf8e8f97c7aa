// `streamwright broker` as a process: the "listening on" line, clean shutdown on signals,
// data kept across a restart on the same --data-dir, and its command-line errors.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli, kcat, killChildren, lines, startBrokerProcess, type BrokerProcess } from './cli-process.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'streamwright-cli-broker-'));
  dirs.push(dir);
  return dir;
}

const brokers: BrokerProcess[] = [];
async function broker(args: readonly string[]): Promise<BrokerProcess> {
  const started = await startBrokerProcess(args);
  brokers.push(started);
  return started;
}

afterEach(() => {
  killChildren();
  brokers.length = 0;
});
afterAll(() => {
  killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('streamwright broker', () => {
  it('prints exactly one "listening on" line, stops with exit code 0 on SIGTERM and keeps its data across a restart', async () => {
    const dataDir = tempDir();
    const first = await broker(['--port', '0', '--data-dir', dataDir]);
    expect(first.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.address).not.toBe('127.0.0.1:0');

    const created = await cli(['topics', '--bootstrap-server', first.address, '--create', '--topic', 'durable', '--partitions', '2']);
    expect(created.code, created.stderr).toBe(0);
    const produced = await cli(['console-producer', '--bootstrap-server', first.address, '--topic', 'durable', '--property', 'parse.key=true', '--property', 'key.separator=:'], {
      input: 'k1:one\nk2:two\nk3:three\n',
    });
    expect(produced.code, produced.stderr).toBe(0);

    const exit = await first.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    // Logs went to stderr; stdout holds the one line only.
    expect(lines(first.stdout())).toEqual([`listening on ${first.address}`]);

    const second = await broker(['--port', '0', '--data-dir', dataDir]);
    const consumed = await cli(['console-consumer', '--bootstrap-server', second.address, '--topic', 'durable', '--from-beginning', '--max-messages', '3', '--property', 'print.key=true', '--property', 'key.separator=='], {
      timeoutMs: 25_000,
    });
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(lines(consumed.stdout).sort()).toEqual(['k1=one', 'k2=two', 'k3=three']);
    expect(consumed.stderr).toContain('Processed a total of 3 messages');

    // A real client sees the same data on the restarted broker.
    const read = await kcat(['-b', second.address, '-t', 'durable', '-C', '-o', 'beginning', '-e', '-q', '-f', '%k:%s\\n']);
    expect(read.code, read.stderr).toBe(0);
    expect(lines(read.stdout).sort()).toEqual(['k1:one', 'k2:two', 'k3:three']);

    expect(await second.stop('SIGINT')).toEqual({ code: 0, signal: null });
    expect(lines(second.stdout())).toHaveLength(1);
  });

  it('passes --config to the broker and advertises --advertised-host', async () => {
    const b = await broker(['--port', '0', '--data-dir', tempDir(), '--advertised-host', 'localhost', '--config', 'num.partitions=3', '--log-level', 'warn']);
    expect(b.address).toMatch(/^localhost:\d+$/);
    // Auto-created (by Metadata from the producer) with the configured default partition count.
    const produced = await cli(['console-producer', '--bootstrap-server', b.address, '--topic', 'auto'], { input: 'x\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const described = await cli(['topics', '--bootstrap-server', b.address, '--describe', '--topic', 'auto']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain('PartitionCount: 3\t');
    expect(await b.stop()).toEqual({ code: 0, signal: null });
  });

  it('rejects an invalid --config value with a clear error and a non-zero exit code', async () => {
    const result = await cli(['broker', '--port', '0', '--data-dir', tempDir(), '--config', 'num.partitions=lots']);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/num\.partitions/);
    expect(result.stderr).toMatch(/lots/);
  });

  it('answers bad flags with the usage on stderr and exit code 2', async () => {
    for (const args of [['--bogus'], ['--port', 'abc'], ['--port', '70000'], ['--config', 'novalue'], ['stray']]) {
      const result = await cli(['broker', ...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('usage: streamwright broker');
    }
  });

  it('lists the commands in --help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['broker', 'topics', 'console-producer', 'console-consumer']) expect(result.stdout).toContain(`  ${command} `);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command: frobnicate');
  });
});
