// Every test in the workspace, in two groups: `unit` (*.spec.ts beside the code, no I/O) and
// `integration` (services/*/test and libs/*/test, against the real Postgres, Redis and NATS).
const preset = require('./jest.preset.js');

module.exports = {
  // A global option: inside `projects` it is ignored (jest 30), and integration tests that
  // start stacks under load need more than the 5 s default.
  testTimeout: 60000,
  projects: [
    {
      ...preset,
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{libs,services,tools}/**/*.spec.ts'],
    },
    {
      ...preset,
      displayName: 'integration',
      rootDir: __dirname,
      testMatch: ['<rootDir>/{libs,services}/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
      globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
    },
  ],
};
