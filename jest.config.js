// Jest 30 in ESM mode: the @actions/* packages are ESM-only, so tests run as ES modules
// through ts-jest's ESM preset (`npm run jest` passes --experimental-vm-modules).
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: ['**/__tests__/**/*.test.ts', '**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // Integration tests start real daemons (registry, dockerd, the EKS emulator) on a
  // 2-core machine: two workers keep CPU contention predictable.
  maxWorkers: 2,
  // The reliability suite's closing table (cases, secrets found, files left): test/reliability/README.md.
  // The scenario × control plane table of the [emulator]/[real] scenarios: test/README.md.
  reporters: [
    'default',
    '<rootDir>/test/reliability/reporter.mjs',
    '<rootDir>/test/harness/conformance-reporter.mjs'
  ],
  testTimeout: 120000
};
