import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC (not esbuild) transpiles the tests so that `emitDecoratorMetadata` works as it does under tsc.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['libs/**/*.spec.ts', 'src/**/*.spec.ts', 'test/**/*.spec.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
