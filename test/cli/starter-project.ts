// What the starter-template tests share: the packed streamwright tarball, and a generated
// project installed from it and run with its own npm scripts, as a user does.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT } from './cli-process.js';

export interface Ran {
  code: number | null;
  output: string;
}

const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/** Runs a command in `cwd`, stdout and stderr interleaved; killed after timeoutMs. */
export function runIn(cwd: string, command: string, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // Without the outer vitest's variables, the project's own vitest runs as if started by hand.
    const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV' && key !== 'TEST'));
    const child = spawn(command, args, { cwd, env: { ...cleanEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `npm pack` of the built package (dist/ is built by test/global-setup.ts) into `dir`; the tarball's path. */
export async function packStreamwright(dir: string): Promise<string> {
  const packed = await runIn(ROOT, 'npm', ['pack', '--pack-destination', dir, ...NPM_QUIET], 60_000);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
  const tarball = readdirSync(dir).find((f) => f.startsWith('streamwright-') && f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${dir}:\n${packed.output}`);
  return join(dir, tarball);
}

/** `streamwright init` (the compiled CLI, as `npx streamwright init` runs it). */
export function init(args: readonly string[], cwd: string): Promise<Ran> {
  return runIn(cwd, process.execPath, [CLI, 'init', ...args], 20_000);
}

/**
 * Installs the generated project as a user does the first time (`npm install`, which writes the
 * package-lock.json that the README's `npm ci` then installs from), with the packed streamwright
 * in place of the registry's; the other dependencies come from the registry, the local npm cache
 * first. No install scripts run: the package must work without them.
 */
export async function installProject(project: string, tarball: string): Promise<void> {
  const installed = await runIn(project, 'npm', ['install', '--prefer-offline', '--ignore-scripts', ...NPM_QUIET, tarball], 180_000);
  if (installed.code !== 0) throw new Error(`npm install failed:\n${installed.output}`);
}
