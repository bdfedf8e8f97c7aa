// `npm run typecheck` (and so `npm test` and CI) covers bench/: the benchmarks are JavaScript run
// by Node as they are, type-checked through tsconfig.bench.json (checkJs, JSDoc types).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ts from 'typescript';
import { ROOT, removeTempDirs, tempDir } from '../support/broker-harness.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function benchScripts(dir = join(ROOT, 'bench')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return benchScripts(path);
    return /\.[cm]?js$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

function tsc(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', project], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: stdout + stderr });
    });
  });
}

describe('type-checking bench/', () => {
  afterAll(removeTempDirs);

  it('npm run typecheck runs tsconfig.bench.json, which type-checks every bench script', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.typecheck).toContain('tsc -p tsconfig.bench.json');
    expect(scripts.test).toMatch(/^npm run typecheck && /);

    const configFile = ts.readConfigFile(join(ROOT, 'tsconfig.bench.json'), (path) => ts.sys.readFile(path));
    const config = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
    expect(config.errors).toEqual([]);
    expect(config.options).toMatchObject({ allowJs: true, checkJs: true, strict: true });
    const checked = new Set(config.fileNames.map((file) => relative(ROOT, file)));
    const scriptsInBench = benchScripts();
    expect(scriptsInBench.length).toBeGreaterThan(15);
    expect(scriptsInBench.filter((file) => !checked.has(file))).toEqual([]);
  });

  it('fails on a type error in a JavaScript file checked with those options', { timeout: 60_000 }, async () => {
    const dir = tempDir('streamwright-bench-check-');
    writeFileSync(join(dir, 'wrong.mjs'), "/** @param {string} name */\nconst greet = (name) => name.toUpperCase();\ngreet(42);\n");
    writeFileSync(join(dir, 'right.mjs'), "/** @param {string} name */\nconst greet = (name) => name.toUpperCase();\ngreet('bench');\n");
    const project = (file: string): string => {
      const path = join(dir, `tsconfig.${file}.json`);
      writeFileSync(path, JSON.stringify({ extends: join(ROOT, 'tsconfig.bench.json'), compilerOptions: { rootDirs: [], typeRoots: [join(ROOT, 'node_modules', '@types')] }, include: [], files: [join(dir, file)] }));
      return path;
    };

    const wrong = await tsc(project('wrong.mjs'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain("error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'");
    expect(await tsc(project('right.mjs'))).toEqual({ code: 0, output: '' });
  });
});
