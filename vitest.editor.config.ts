import { defineConfig } from "vitest/config";

// npm run test:editor: xsm lsp driven by a real editor (neovim headless); needs nvim and dist/.
export default defineConfig({
  test: {
    include: ["test/editor/**/*.test.ts"],
    testTimeout: 120_000,
  },
});
