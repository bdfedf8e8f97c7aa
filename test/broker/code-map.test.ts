// docs/broker.md's code map and the folders' README.md files describe the code as it is: every
// folder is there, every path and class they name exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const broker = join(src, 'broker');

function folders(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory());
}

function allFolders(dir: string): string[] {
  return folders(dir).flatMap((folder) => [folder, ...allFolders(folder)]);
}

function codeMapRows(): Array<{ paths: string[]; what: string }> {
  const doc = readFileSync(join(root, 'docs', 'broker.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Code map'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [, pathCell, what] = line.split('|').map((cell) => cell.trim());
      return { paths: [...pathCell!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!), what: what! };
    });
}

/** Every class, interface, type and function exported anywhere under src/broker. */
function exportedNames(): Set<string> {
  const names = new Set<string>();
  const files = [broker, ...allFolders(broker)].flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)));
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/^export (?:abstract )?(?:class|interface|type|function|const) (\w+)/gm)) names.add(match[1]!);
  }
  return names;
}

describe('the code map', () => {
  it('gives every folder under src/ and src/broker/ a README.md that says what it holds', () => {
    for (const folder of [...folders(src), ...folders(broker)]) {
      const readme = join(folder, 'README.md');
      expect(existsSync(readme), `${relative(root, folder)} has no README.md`).toBe(true);
      const description = readFileSync(readme, 'utf8').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
      expect(description.length, `${relative(root, readme)} says nothing`).toBeGreaterThan(0);
    }
  });

  it("names in docs/broker.md's code map only paths and classes of the broker that exist, and every folder of it", () => {
    const rows = codeMapRows();
    expect(rows.length).toBeGreaterThan(5);
    const mapped = new Set<string>();
    for (const { paths } of rows) {
      for (const path of paths) {
        const real = path.replace('NN-<api>.ts', '00-produce.ts');
        expect(existsSync(join(broker, real)), `code map names ${path}, which is not in src/broker`).toBe(true);
        mapped.add(real.split('/').filter((part) => part !== '' && !part.endsWith('.ts')).join('/'));
      }
    }
    for (const folder of allFolders(broker)) expect(mapped.has(relative(broker, folder)), `${relative(root, folder)} is missing from the code map`).toBe(true);
    const names = exportedNames();
    for (const { what } of rows) {
      for (const [, name] of what.matchAll(/`([A-Z][A-Za-z]+)`/g)) expect(names.has(name!), `code map names ${name}, which src/broker does not export`).toBe(true);
    }
  });
});
