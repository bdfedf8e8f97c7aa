import { defineConfig } from 'vitest/config';
import { embeddedKafka } from 'streamwright/vitest/config';

export default defineConfig({
  // Decorator metadata (constructor injection, parameter types): vite 8 transforms TypeScript with Oxc.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    // One embedded broker for the whole run; tests reach it through the `kafka` fixture of 'streamwright/vitest'.
    ...embeddedKafka(),
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
