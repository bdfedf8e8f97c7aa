// `streamwright init <dir>`: writes a starter project from one of the templates shipped in the
// package (templates/<name>/), with a package.json that depends on this streamwright version.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../args.js';
import { writeOut, type Command } from '../command.js';

/** Two levels above src/cli/commands and dist/cli/commands: the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEMPLATES = join(PACKAGE_ROOT, 'templates');
/** Files shared by every template (not a template itself: it has no manifest). */
const COMMON = 'common';
/** The template's manifest (not copied): its summary and the dependencies it adds. */
const MANIFEST = 'template.json';
/** npm leaves `.gitignore` files out of packages, so templates carry it under this name. */
const GITIGNORE = 'gitignore';
/** A dependency version "same" means: exactly the version streamwright itself is built and tested with. */
const SAME_VERSION = 'same';
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

interface TemplateManifest {
  summary: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

interface PackageJson {
  version: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function templateNames(): string[] {
  return readdirSync(TEMPLATES).filter((name) => existsSync(join(TEMPLATES, name, MANIFEST))).sort();
}

const USAGE = `usage: streamwright init <dir> [--template plain|nestjs] [--name <package-name>]

Writes a ready-to-run project into <dir> (created if missing; it must be empty): package.json,
tsconfig.json, src/ (listeners, a template, retry topics, request/reply), test/ (vitest on an
embedded broker), README.md and .gitignore. Then: cd <dir> && npm install && npm start.

options:
  --template T   plain (default): a Node application; nestjs: a NestJS application
  --name N       the package name (default: the directory's name)
  --help         print this help
`;

/** A package name from a directory name: lower case, other characters replaced by '-'. */
function nameFromDirectory(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[-._]+/, '');
  return name === '' ? 'streamwright-app' : name;
}

function resolveVersions(wanted: Record<string, string> | undefined, own: PackageJson, template: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [dependency, version] of Object.entries(wanted ?? {})) {
    if (version !== SAME_VERSION) {
      out[dependency] = version;
      continue;
    }
    const ours = own.dependencies?.[dependency] ?? own.devDependencies?.[dependency];
    if (!ours) throw new Error(`template ${template} wants streamwright's version of ${dependency}, which streamwright does not use`);
    out[dependency] = ours;
  }
  return out;
}

/** Every file of a template, as paths relative to its directory (the manifest left out). */
function templateFiles(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under)).flatMap((entry) => {
    const path = join(under, entry);
    if (statSync(join(dir, path)).isDirectory()) return templateFiles(dir, path);
    return path === MANIFEST ? [] : [path];
  });
}

export interface InitOptions {
  dir: string;
  template: string;
  name: string;
}

/** Writes the project; returns the files written, relative to `dir`. */
export function writeProject(options: InitOptions): string[] {
  const templates = templateNames();
  if (!templates.includes(options.template)) throw new UsageError(`unknown template "${options.template}" (one of: ${templates.join(', ')})`);
  if (!NPM_NAME.test(options.name) || options.name.length > 214) throw new UsageError(`"${options.name}" is not a valid npm package name`);
  const target = resolve(options.dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new Error(`${options.dir} exists and is not a directory`);
    if (readdirSync(target).length > 0) throw new Error(`${options.dir} is not empty; init writes only into an empty or new directory`);
  }

  const source = join(TEMPLATES, options.template);
  const manifest = JSON.parse(readFileSync(join(source, MANIFEST), 'utf8')) as TemplateManifest;
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as PackageJson;
  const packageJson = {
    name: options.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: own.engines,
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      start: 'npm run build && node dist/main.js',
      typecheck: 'tsc',
      test: 'tsc && vitest run',
    },
    dependencies: { streamwright: `^${own.version}`, ...resolveVersions(manifest.dependencies, own, options.template) },
    devDependencies: resolveVersions(manifest.devDependencies, own, options.template),
  };

  const written: string[] = [];
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(target, path, '..'), { recursive: true });
    writeFileSync(join(target, path), content);
    written.push(path);
  };
  mkdirSync(target, { recursive: true });
  write('package.json', `${JSON.stringify(packageJson, null, 2)}\n`);
  // Files every template shares come first; a template's own file of the same name wins.
  const files = new Map<string, string>();
  for (const dir of [join(TEMPLATES, COMMON), source]) for (const file of templateFiles(dir)) files.set(file, join(dir, file));
  for (const [file, from] of files) {
    const content = readFileSync(from);
    const path = file === GITIGNORE ? '.gitignore' : file;
    write(path, file.endsWith('.md') ? content.toString('utf8').replaceAll('{{name}}', options.name) : content);
  }
  return written.sort();
}

export const initCommand: Command = {
  name: 'init',
  summary: 'write a starter project (plain or NestJS) into a new directory',
  usage: USAGE,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args: [...args], strict: true, allowPositionals: true, options: { template: { type: 'string' }, name: { type: 'string' }, help: { type: 'boolean' } } });
    } catch (error) {
      throw new UsageError((error as Error).message.split('\n')[0]!);
    }
    if (parsed.values.help) {
      await writeOut(USAGE);
      return 0;
    }
    if (parsed.positionals.length !== 1) throw new UsageError(parsed.positionals.length === 0 ? 'the project directory is required' : `one directory expected, got ${parsed.positionals.join(' ')}`);
    const dir = parsed.positionals[0]!;
    const options = { dir, template: parsed.values.template ?? 'plain', name: parsed.values.name ?? nameFromDirectory(dir) };
    const files = writeProject(options);
    const shown = relative(process.cwd(), resolve(dir)) || '.';
    await writeOut(`Created ${options.name} (${options.template} template) in ${shown}: ${files.length} files.\n\nNext:\n  cd ${shown}\n  npm install && npm start\n  npm test\n`);
    return 0;
  },
};
