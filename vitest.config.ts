import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // the time-ratio checks run on their own afterwards (vitest.budget.config.ts): other test files running
    // beside them on a 2-core machine would be noise in what they measure
    exclude: ['test/**/*.budget.test.ts', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 30000,
  },
});
