// Mutation testing of the authentication and transport code (`npm run mutation`; not part of `npm test`: slow).
// Each surviving mutant in authentication code gets a test or a written reason (README, "Mutation testing").
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'mechanisms/**/*.ts',
    'src/sasl/**/*.ts',
    'src/connection.ts',
    'src/transport/**/*.ts',
    // lookup tables, not logic: a mutant there changes a code point range that the SASLprep tests sample
    '!mechanisms/saslprep-unicode.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
