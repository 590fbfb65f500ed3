// The time-ratio checks (work linear in the input), one file at a time on an otherwise idle worker pool.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.budget.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 120000,
  },
});
