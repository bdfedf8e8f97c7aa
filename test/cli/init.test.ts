/**
 * `streamwright init` and the plain template: the generator's checks, then a generated project
 * installed from the packed package (strict, skipLibCheck: false, no install scripts) whose own
 * `npm test` and `npm start` pass.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from './cli-process.js';
import { init, installProject, packStreamwright, runIn } from './starter-project.js';

const work = mkdtempSync(join(tmpdir(), 'streamwright-init-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const PUBLIC_ENTRIES = ['', '/protocol', '/broker', '/testing', '/vitest', '/vitest/config', '/vitest/global-setup']
  .map((entry, i) => `import type * as entry${i} from 'streamwright${entry}';\n`)
  .join('')
  .concat(`export type PublicEntries = [${[0, 1, 2, 3, 4, 5, 6].map((i) => `typeof entry${i}`).join(', ')}];\n`);

const ownVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('streamwright init', () => {
  test('writes the plain project: package.json on this version, tsconfig with decorators, src, test, README, .gitignore', async () => {
    const ran = await init(['generated/My App'], work);
    expect(ran.code, ran.output).toBe(0);
    const project = join(work, 'generated', 'My App');
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg.name).toBe('my-app');
    expect(pkg.dependencies.streamwright).toBe(`^${ownVersion}`);
    expect(pkg.scripts).toMatchObject({ start: expect.stringContaining('node dist/main.js'), test: expect.stringContaining('vitest run') });
    const tsconfig = readFileSync(join(project, 'tsconfig.json'), 'utf8');
    for (const setting of ['"experimentalDecorators": true', '"emitDecoratorMetadata": true', '"strict": true', '"skipLibCheck": false']) expect(tsconfig).toContain(setting);
    for (const file of ['.gitignore', 'README.md', 'src/main.ts', 'src/orders.ts', 'src/shipping.ts', 'src/pricing.ts', 'test/app.test.ts', 'vitest.config.ts']) expect(existsSync(join(project, file)), file).toBe(true);
    expect(existsSync(join(project, 'template.json'))).toBe(false);
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    expect(readme).toContain('# my-app');
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  test('--name sets the package name; a bad one is a usage error', async () => {
    expect((await init(['named', '--name', '@acme/orders'], work)).code).toBe(0);
    expect((JSON.parse(readFileSync(join(work, 'named', 'package.json'), 'utf8')) as { name: string }).name).toBe('@acme/orders');
    const bad = await init(['bad-name', '--name', 'Not A Name'], work);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('is not a valid npm package name');
    expect(existsSync(join(work, 'bad-name'))).toBe(false);
  });

  test('refuses a non-empty directory and leaves it as it was', async () => {
    const full = join(work, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    const ran = await init([full], work);
    expect(ran.code).toBe(1);
    expect(ran.output).toContain('is not empty');
    expect(readFileSync(join(full, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(full, 'package.json'))).toBe(false);
  });

  test('streamwright --help lists init, and init --help prints its usage', async () => {
    const help = await runIn(work, process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), '--help'], 20_000);
    expect(help.output).toMatch(/^ {2}init {2,}write a starter project/m);
    const usage = await init(['--help'], work);
    expect(usage.code).toBe(0);
    expect(usage.output).toContain('usage: streamwright init <dir> [--template plain|nestjs] [--name <package-name>]');
  });

  test('an unknown template or a missing directory is a usage error', async () => {
    const unknown = await init(['x', '--template', 'spring'], work);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toMatch(/unknown template "spring" \(one of: .*plain/);
    const missing = await init([], work);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('the project directory is required');
  });
});

test('a generated plain project installs from the packed package; its npm test and npm start pass', async () => {
  const tarball = await packStreamwright(work);
  const project = join(work, 'plain-app');
  expect((await init([project], work)).code).toBe(0);
  await installProject(project, tarball);
  // The project's `tsc` (strict, skipLibCheck: false) then checks the declarations of every public entry point.
  writeFileSync(join(project, 'test', 'public-entries.ts'), PUBLIC_ENTRIES);
  // Each starts its own broker: the tests through vitest's global setup, the app in main.ts.
  const [tested, started] = await Promise.all([runIn(project, 'npm', ['test'], 150_000), runIn(project, 'npm', ['start'], 150_000)]);
  expect(tested.code, tested.output).toBe(0);
  expect(tested.output).toMatch(/Tests\s+.*3 passed/);
  expect(started.code, started.output).toBe(0);
  expect(started.output).toContain('Invoiced: ');
  expect(started.output).toContain('dead-lettered after retries: o-2');
  expect(started.output).toContain('Quote refused: ');
  expect(started.output).toContain('Done.');
}, 300_000);
