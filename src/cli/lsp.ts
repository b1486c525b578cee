// `xsm lsp [--stdio]`: the language server (src/lsp/server.ts) over stdin/stdout, as editors start
// it (they pass --stdio).
import type { Command } from "commander";
import type { CliContext } from "./context.js";

interface LspOptions {
  stdio?: boolean;
  flaskDir?: string;
  debounce?: string;
  mls?: boolean;
}

export function registerLsp(program: Command, _cli: CliContext): void {
  program
    .command("lsp")
    .description("run the language server (LSP over stdio) for policy.conf files and policy trees")
    .option("--stdio", "talk LSP over stdin/stdout (the default and only transport)")
    .option("--flask-dir <dir>", "for trees: Xen's xen/xsm/flask/policy, as for xsm build")
    .option("-M, --mls", "policies are MLS (as checkpolicy -M; trees built as xsm build --mls); or initializationOptions {\"mls\": true}")
    .option("--debounce <ms>", "quiet time after a change before the policy is analysed again", "150")
    .action(async (opts: LspOptions) => {
      const { runStdioServer } = await import("../lsp/server.js");
      await runStdioServer({ flaskDir: opts.flaskDir, mls: opts.mls, debounceMs: Number(opts.debounce) });
    });
}
