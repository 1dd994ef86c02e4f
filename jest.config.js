import { availableParallelism } from 'node:os';

/** ESM jest: @octokit/webhooks 14 is import-only, so tests run as ES modules through @swc/jest. */
export default {
  testEnvironment: 'node',
  // jest's default is one worker per core minus one: a single worker on a 2-core machine. The
  // suites wait (moto_server and chromium starting, bakes on the scaled clock, servers) as well as
  // compute, so one worker more than the cores fills those waits: on 2 cores, the scenario, CLI,
  // browser and fault suites took 38 s with 3 workers, 48 s with 2, at the same CPU (4: no better).
  maxWorkers: availableParallelism() + 1,
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
