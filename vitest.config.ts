import { defineConfig } from "vitest/config";

// npm test: everything that needs only Node. The live checkpolicy comparison is test/oracle/**.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/oracle/**", "test/editor/**", "node_modules/**"],
    testTimeout: 60_000,
  },
});
