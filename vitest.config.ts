import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite 8 transforms TypeScript with Oxc. Setting the decorator options here applies them to
  // every file, including test files that tsconfig's "include" might not cover.
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
