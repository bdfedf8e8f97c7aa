import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * libzstd's WebAssembly build, as @cloudpss/zstd ships it, instantiated synchronously.
 *
 * The package's own entry (`@cloudpss/zstd/wasm`) compiles the module asynchronously behind a
 * top-level await. Importing it therefore cost every process ~25 ms at start-up (zstd or not)
 * and made this package impossible to `require()` from CommonJS. Node compiles WebAssembly
 * synchronously just as well (`new WebAssembly.Module`), so this file does what the package's
 * Emscripten glue does, on first use: it takes the module bytes embedded in the glue, supplies
 * the two functions the module imports, runs its static constructors (they create the
 * compression and decompression contexts) and names the exports from the glue's own bindings.
 * The glue is minified; anything in it that is not as expected fails the load with a clear
 * message, which the zstd codec reports as "codec unavailable" (package.json pins the version).
 */
export interface ZstdWasm {
  /** The module's linear memory as bytes; a new view after the memory grew. */
  heap(): Uint8Array;
  malloc(size: number): number;
  free(pointer: number): void;
  compressBound(size: number): number;
  decompressBound(source: number, size: number): number;
  compress(destination: number, capacity: number, source: number, size: number, level: number): number;
  decompress(destination: number, capacity: number, source: number, size: number): number;
  isError(code: number): number;
  /** The name of a zstd error code, a NUL-terminated string in the module's memory. */
  errorName(code: number): string;
  versionNumber(): number;
}

type WasmFunction = (...args: number[]) => number;

// The slice of the WebAssembly JS API used here: the project's `lib` (ES2022, no DOM) does not declare it.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModuleEntry {
  readonly name: string;
  readonly kind: 'function' | 'table' | 'memory' | 'global' | 'tag';
}
interface WasmImportEntry extends WasmModuleEntry {
  readonly module: string;
}
type WasmModule = object;
declare const WebAssembly: {
  Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(module: WasmModule): WasmImportEntry[];
    exports(module: WasmModule): WasmModuleEntry[];
  };
  Instance: new (module: WasmModule, imports: Record<string, Record<string, (...args: number[]) => unknown>>) => { readonly exports: Record<string, unknown> };
};

const GLUE = 'prebuilds/zstd.js';
// The module as a data URL; its bytes start with the WebAssembly magic `\0asm` ("AGFzbQ" in base64).
const EMBEDDED_WASM = '"data:application/octet-stream;base64,AGFzbQ';
const DATA_URL_PREFIX = '"data:application/octet-stream;base64,'.length;
// libzstd's functions as the glue binds them: `d._ZSTD_isError=a=>(d._ZSTD_isError=I.g)(a)`.
const BINDING = /\b\w+\._(\w+)=(?:\w+|\([\w,]*\))=>\(\w+\._\1=\w+\.(\w+)\)/g;
// The static constructors, queued to run before main: `x.unshift(I.d)`.
const CONSTRUCTORS = /\.unshift\(\w+\.(\w+)\)/;
// The memcpy import among the two the module takes: `{b:(a,c,b)=>t.copyWithin(a,c,c+b),a:…}`.
const MEMCPY_IMPORT = /[{,](\w+):\(\w+,\w+,\w+\)=>\w+\.copyWithin\(/;
const REQUIRED = ['malloc', 'free', 'ZSTD_compressBound', 'ZSTD_decompressBound', 'compress', 'decompress', 'ZSTD_isError', 'ZSTD_getErrorName', 'ZSTD_versionNumber'];

const WASM_PAGE = 64 * 1024;
const MAX_HEAP = 2 ** 31; // what the build allows (Emscripten's default maximum)
const HEAP_GROWTH_CAP = 96 * 1024 * 1024; // Emscripten's overgrowth step: 20 % of the heap, at most 96 MiB more than asked

function unexpected(detail: string): Error {
  return new Error(`@cloudpss/zstd's WebAssembly glue is not as expected (${detail}); install the version package.json pins`);
}

/** Where the installed @cloudpss/zstd keeps its Emscripten glue (with the module embedded). */
export function zstdGluePath(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@cloudpss/zstd/package.json')), GLUE);
}

/** Compiles and instantiates the module. Throws when the package is missing or its layout changed. */
export function loadZstdWasm(gluePath = zstdGluePath()): ZstdWasm {
  const glue = readFileSync(gluePath, 'latin1');
  const start = glue.indexOf(EMBEDDED_WASM);
  if (start < 0) throw unexpected('no embedded module');
  const end = glue.indexOf('"', start + DATA_URL_PREFIX);
  const bytes = Buffer.from(glue.slice(start + DATA_URL_PREFIX, end), 'base64');
  const module = new WebAssembly.Module(bytes);

  const exportNames = new Map<string, string>();
  for (const [, name, exported] of glue.matchAll(BINDING)) exportNames.set(name!, exported!);
  const missing = REQUIRED.filter((name) => !exportNames.has(name));
  if (missing.length > 0) throw unexpected(`no binding for ${missing.join(', ')}`);
  const constructors = CONSTRUCTORS.exec(glue)?.[1];
  const memcpyImport = MEMCPY_IMPORT.exec(glue)?.[1];
  const imports = WebAssembly.Module.imports(module);
  if (constructors === undefined || memcpyImport === undefined) throw unexpected('no constructors or memcpy import');
  if (imports.length !== 2 || imports.some((entry) => entry.kind !== 'function' || entry.module !== imports[0]!.module)) {
    throw unexpected(`imports ${imports.map((entry) => `${entry.module}.${entry.name}`).join(', ')}`);
  }
  const memoryExport = WebAssembly.Module.exports(module).find((entry) => entry.kind === 'memory');
  if (!memoryExport) throw unexpected('no exported memory');

  // The imports need the memory, which exists only once the instance does.
  const instance: { memory?: WasmMemory } = {};
  const memory = (): WasmMemory => instance.memory!;
  let view = new Uint8Array(0);
  const heap = (): Uint8Array => {
    // A grown memory detaches the old buffer (its view's length drops to 0).
    if (view.byteLength !== memory().buffer.byteLength) view = new Uint8Array(memory().buffer);
    return view;
  };
  const memcpy = (destination: number, source: number, count: number): void => {
    heap().copyWithin(destination, source, source + count);
  };
  const resizeHeap = (requested: number): number => {
    const wanted = requested >>> 0;
    const current = memory().buffer.byteLength;
    if (wanted > MAX_HEAP) return 0;
    const target = Math.min(MAX_HEAP, Math.max(wanted, Math.min(current * 1.2, wanted + HEAP_GROWTH_CAP)));
    try {
      memory().grow(Math.ceil((target - current) / WASM_PAGE));
      return 1;
    } catch {
      return 0; // out of memory: malloc returns 0, which the callers turn into an error
    }
  };
  const functions: Record<string, (...args: number[]) => unknown> = {};
  for (const entry of imports) functions[entry.name] = entry.name === memcpyImport ? memcpy : resizeHeap;
  const exports = new WebAssembly.Instance(module, { [imports[0]!.module]: functions }).exports;
  instance.memory = exports[memoryExport.name] as WasmMemory;
  const fn = (name: string): WasmFunction => {
    const found = exports[name];
    if (typeof found !== 'function') throw unexpected(`export ${name} is not a function`);
    return found as WasmFunction;
  };
  fn(constructors)();
  const bound = (name: string): WasmFunction => fn(exportNames.get(name)!);

  const getErrorName = bound('ZSTD_getErrorName');
  return {
    heap,
    malloc: bound('malloc'),
    free: bound('free'),
    compressBound: bound('ZSTD_compressBound'),
    decompressBound: bound('ZSTD_decompressBound'),
    compress: bound('compress'),
    decompress: bound('decompress'),
    isError: bound('ZSTD_isError'),
    errorName(code) {
      const at = getErrorName(code);
      const bytes = heap();
      const nul = bytes.indexOf(0, at);
      return Buffer.from(bytes.buffer, at, (nul < 0 ? bytes.length : nul) - at).toString('utf8');
    },
    versionNumber: bound('ZSTD_versionNumber'),
  };
}
