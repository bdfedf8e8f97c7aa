/**
 * The nestjs starter template: a generated project installed from the packed package (with
 * streamwright/nestjs) whose own `npm test` (Test.createTestingModule on the embedded broker)
 * and `npm start` pass.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { init, installProject, packStreamwright, runIn } from './starter-project.js';

const work = mkdtempSync(join(tmpdir(), 'streamwright-init-nestjs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('a generated nestjs project installs from the packed package; its npm test and npm start pass', async () => {
  const project = join(work, 'nest-app');
  const generated = await init([project, '--template', 'nestjs'], work);
  expect(generated.code, generated.output).toBe(0);
  const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['streamwright', '@nestjs/common', '@nestjs/core', 'rxjs']));
  expect(Object.keys(pkg.devDependencies)).toContain('@nestjs/testing');
  expect(existsSync(join(project, 'src', 'app.module.ts'))).toBe(true);

  const tarball = await packStreamwright(work);
  await installProject(project, tarball);
  const [tested, started] = await Promise.all([runIn(project, 'npm', ['test'], 150_000), runIn(project, 'npm', ['start'], 150_000)]);
  expect(tested.code, tested.output).toBe(0);
  expect(tested.output).toMatch(/Tests\s+.*3 passed/);
  expect(started.code, started.output).toBe(0);
  expect(started.output).toContain('dead-lettered after retries: o-2');
  expect(started.output).toContain('Quote refused: ');
  expect(started.output).toContain('Done.');
}, 300_000);
