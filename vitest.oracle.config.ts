import { defineConfig } from "vitest/config";

// npm run test:oracle: live differential tests against checkpolicy + setools (test/oracle/tools, or $XSM_ORACLE).
export default defineConfig({
  test: {
    include: ["test/oracle/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
