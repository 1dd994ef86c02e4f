/** ESM jest: @octokit/webhooks 14 is import-only, so tests run as ES modules through @swc/jest. */
export default {
  testEnvironment: 'node',
  // jest's default is one worker per core minus one: a single worker on a 2-core machine. The
  // suites wait on I/O (servers, child processes) as much as they compute, so use every core.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
      },
    ],
  },
  setupFiles: ['<rootDir>/test/setup.ts'],
  globalSetup: '<rootDir>/test/support/tools.ts',
  globalTeardown: '<rootDir>/test/support/moto-server.ts',
  testTimeout: 60000,
};
