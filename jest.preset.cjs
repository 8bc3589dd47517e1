/**
 * Shared Jest preset: ts-jest (keeps decorator metadata for class-validator),
 * tsconfig path aliases through Nx's resolver, node environment.
 * `*.spec.ts` are unit specs; `*.int-spec.ts` talk to real NATS and PostgreSQL;
 * `*.e2e-spec.ts` drive the gateway with all services running.
 */
const nxPreset = require('@nx/jest/preset').default;

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  testMatch: ['**/?(*.)+(spec|int-spec|e2e-spec).ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testTimeout: 60_000,
  setupFiles: ['reflect-metadata'],
};
