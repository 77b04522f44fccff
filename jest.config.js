// Jest 30 in ESM mode: the @actions/* packages are ESM-only, so tests run as ES modules
// through ts-jest's ESM preset (`npm run jest` passes --experimental-vm-modules).
//
// Two lanes (the rule that decides which is which: test/README.md): TEST_LANE=unit runs the
// pure tests, TEST_LANE=integration the *.itg.test.ts files; unset, both (what `npm test` runs).
const TEST_MATCH = ['**/__tests__/**/*.test.ts', '**/test/**/*.test.ts'];
const IGNORED = ['/node_modules/', '/dist/'];
const LANES = {
  all: {},
  unit: { testPathIgnorePatterns: [...IGNORED, '\\.itg\\.test\\.ts$'] },
  integration: { testMatch: TEST_MATCH.map((glob) => glob.replace('*.test.ts', '*.itg.test.ts')) }
};
const lane = LANES[process.env.TEST_LANE || 'all'];
if (!lane) {
  throw new Error(
    `TEST_LANE: "${process.env.TEST_LANE}" is no test lane; lanes are: unit, integration (unset: both)`
  );
}

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: TEST_MATCH,
  testPathIgnorePatterns: IGNORED,
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
  testTimeout: 120000,
  ...lane
};
