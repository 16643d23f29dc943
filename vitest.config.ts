import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Servers start per file; two cores on CI, so keep files in two workers.
    maxWorkers: 2,
    testTimeout: 30_000,
    // restify 11 reads process.binding('http_parser') (DEP0111) in every worker; the warning is not ours to fix.
    execArgv: ['--disable-warning=DEP0111'],
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
