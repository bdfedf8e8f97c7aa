import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds dist/ once per test run: tests that start the broker or the CLI as a child process
 * (crash recovery, the `streamwright` command) run the compiled JavaScript, as users do.
 */
export default function setup(): void {
  // Set by benchmarks that have just run `npm run build` and time the tests alone.
  if (process.env.STREAMWRIGHT_DIST_BUILT === '1') return;
  const root = join(import.meta.dirname, '..');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    // A type error fails the run here too, not only in `npm run typecheck`: a test run never
    // starts on sources that do not compile.
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`tsc -p tsconfig.build.json failed:\n${output.trim() || String(error)}`, { cause: error });
  }
}
