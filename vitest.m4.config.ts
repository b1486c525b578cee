import { defineConfig } from "vitest/config";

// npm run test:m4: the tests that drive GNU m4 (`xsm build`, the commands reading a policy tree).
// `npm test` skips them where m4 is missing; .ci/run installs m4 and runs them here, where a missing
// m4 fails (XSM_REQUIRE_M4, test/tools.ts). Keep this list to the files importing test/tools.ts.
export default defineConfig({
  test: {
    include: [
      "test/build/m4-limits.test.ts",
      "test/build/expand.test.ts",
      "test/binary/initial-sids.test.ts",
      "test/cli/adversarial.test.ts",
      "test/cli/closed-pipe.test.ts",
      "test/cli/allow-interfaces.test.ts",
      "test/cli/allow-proposal.test.ts",
      "test/cli/allow-te-defines.test.ts",
      "test/cli/edges.test.ts",
      "test/cli/readme-examples.test.ts",
      "test/cli/repeated-values.test.ts",
      "test/cli/readme-table.test.ts",
      "test/cli/tree-input.test.ts",
      "test/cli/tree-paths.test.ts",
      "test/fmt/m4-args.test.ts",
      "test/lint/mls.test.ts",
      "test/lint/macro-duplicates.test.ts",
      "test/lint/modules-conf-tree.test.ts",
      "test/sim/tree-scenario.test.ts",
      "test/lsp/old-layout.test.ts",
      "test/lsp/lint.test.ts",
      "test/lsp/tree-navigation.test.ts",
      "test/lsp/semantic-tokens-tree.test.ts",
      "test/lsp/outline.test.ts",
      "test/lsp/selection-inlay.test.ts",
      "test/lsp/made-names.test.ts",
      "test/lsp/made-readings.test.ts",
      "test/lsp/module-names.test.ts",
      "test/studio/disk.test.ts",
      "test/studio/old-layout.test.ts",
      "test/studio/save.test.ts",
      "test/studio/server.test.ts",
      "test/studio/tree.test.ts",
    ],
    env: { XSM_REQUIRE_M4: "1" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
