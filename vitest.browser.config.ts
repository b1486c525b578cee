import { defineConfig } from "vitest/config";

// npm run test:browser: the studio page in Debian's chromium (playwright-core drives the system
// binary; $XSM_CHROMIUM points elsewhere). Needs the build (npm ci / npm run build).
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
