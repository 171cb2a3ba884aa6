import { defineConfig } from 'vitest/config';

// End-to-end tests spawn the CLI and share on-disk fixtures; run files one at a time on 2-core machines.
export default defineConfig({
  test: { include: ['**/*.spec.ts'], exclude: ['**/node_modules/**', 'out-tsc/**'], environment: 'node', testTimeout: 300_000, hookTimeout: 300_000, fileParallelism: false },
});
