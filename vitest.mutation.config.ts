import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The suite Stryker runs against each mutant (`npm run mutation`): the unit tests without the session fuzzer, which
// covers nearly every line and would run its thousands of cases for every mutant. Its defects stay pinned by
// test/fuzz/defects.test.ts, which does run.
export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: ['test/**/*.budget.test.ts', 'test/fuzz/sessions.test.ts', '**/node_modules/**'] },
  }),
);
