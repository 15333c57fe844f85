/** Jest runs the TypeScript sources as native ES modules (middy and Powertools ship ESM). */
const base = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // package.json "imports" aliases (#src/…, #functions/…, #local/…, #test/…) to the TypeScript sources.
    '^#(src|functions|local|test)/(.*)\\.js$': '<rootDir>/$1/$2',
    '^#schemas/(.*)$': '<rootDir>/schemas/$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testEnvironment: 'node',
};

export default {
  // A global option (ignored inside a project): integration and e2e tests start real services.
  testTimeout: 300_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};
