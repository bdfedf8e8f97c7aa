// The built package as a CommonJS user gets it: `require('streamwright')` and
// `require('streamwright/broker')` from a .cjs file (Node >= 20.19 loads an ES module graph
// through require() when it has no top-level await). The same child process shows that the heavy
// codecs are not loaded by the require, and that zstd loads on the first zstd batch: kcat
// produces one, the broker validates it, kcat reads it back.
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KCAT, ROOT, removeTempDirs, tempDir } from '../support/broker-harness.js';

interface ChildReport {
  exports: Record<string, string>;
  afterRequire: { wasmModulesCompiled: number; nodeForgeLoaded: boolean };
  consumed: string[];
  afterZstdBatch: { wasmModulesCompiled: number; nodeForgeLoaded: boolean };
}

const CHILD = String.raw`
'use strict';
const { execFile } = require('node:child_process');
// Counts WebAssembly compilations: zstd is the package's only WebAssembly.
let compiled = 0;
WebAssembly.Module = new Proxy(WebAssembly.Module, { construct(target, args) { compiled++; return Reflect.construct(target, args); } });
const loaded = () => ({ wasmModulesCompiled: compiled, nodeForgeLoaded: Object.keys(require.cache).some((file) => file.includes('/node-forge/')) });

const streamwright = require('streamwright');
const broker = require('streamwright/broker');
const protocol = require('streamwright/protocol');
const entries = { KafkaTemplate: typeof streamwright.KafkaTemplate, EmbeddedKafka: typeof broker.EmbeddedKafka, decompressSync: typeof protocol.decompressSync };
const afterRequire = loaded();

(async () => {
  const kafka = await broker.EmbeddedKafka.start();
  try {
    const bootstrap = kafka.bootstrapServers.join(',');
    // Asynchronously: the broker runs on this process's event loop.
    const kcat = (args, input) => new Promise((resolve, reject) => {
      const child = execFile(process.env.KCAT, ['-b', bootstrap, ...args], { timeout: 20000 }, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout)));
      child.stdin.end(input ?? '');
    });
    // Values that compress: librdkafka sends a batch uncompressed when zstd would not shrink it.
    await kcat(['-P', '-t', 'zstd-lazy', '-p', '0', '-K', ':', '-z', 'zstd', '-X', 'linger.ms=50'], ['k1', 'k2', 'k3'].map((key) => key + ':' + key.repeat(100)).join('\n') + '\n');
    const consumed = (await kcat(['-C', '-t', 'zstd-lazy', '-o', 'beginning', '-e', '-q', '-f', '%o %k %S\n', '-X', 'fetch.wait.max.ms=10'])).trim().split('\n');
    process.stdout.write(JSON.stringify({ exports: entries, afterRequire, consumed, afterZstdBatch: loaded() }));
  } finally {
    await kafka.stop();
  }
})().catch((error) => { console.error(error); process.exit(1); });
`;

function runChild(file: string, cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd, env: { ...process.env, KCAT }, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe('the built package from CommonJS', () => {
  afterAll(removeTempDirs);

  it("require()s the root and broker entries; zstd loads on the first zstd batch, which round-trips", { timeout: 60_000 }, async () => {
    // A project that depends on streamwright: node_modules/streamwright is this repository (dist/ is built by global-setup).
    const project = tempDir('streamwright-cjs-');
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'streamwright'), 'dir');
    writeFileSync(join(project, 'main.cjs'), CHILD);

    const { stdout, stderr } = await runChild(join(project, 'main.cjs'), project);
    const report = JSON.parse(stdout) as ChildReport;

    expect(report.exports).toEqual({ KafkaTemplate: 'function', EmbeddedKafka: 'function', decompressSync: 'function' });
    expect(report.afterRequire).toEqual({ wasmModulesCompiled: 0, nodeForgeLoaded: false });
    expect(report.consumed).toEqual(['0 k1 200', '1 k2 200', '2 k3 200']);
    expect(report.afterZstdBatch).toEqual({ wasmModulesCompiled: 1, nodeForgeLoaded: false });
    // require(esm) is not experimental for this package's graph: no warning on stderr.
    expect(stderr).not.toMatch(/ExperimentalWarning|ERR_REQUIRE/);
  });
});
