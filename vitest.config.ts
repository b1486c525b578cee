import { defineConfig } from "vitest/config";

// npm test: everything that needs only Node. The live checkpolicy comparison is test/oracle/**,
// the studio in a real browser test/browser/**.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/oracle/**", "test/editor/**", "test/browser/**", "node_modules/**"],
    testTimeout: 60_000,
  },
});
