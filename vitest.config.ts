import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Sessions a failed test left running are killed when its file ends.
    setupFiles: ['test/helpers/leftoverSessions.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
