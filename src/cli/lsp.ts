// `xsm lsp [--stdio]`: the language server (src/lsp/server.ts) over stdin/stdout, as editors start
// it (they pass --stdio).
import { InvalidArgumentError, type Command } from "commander";
import { CliError } from "./io.js";
import type { CliContext } from "./context.js";

interface LspOptions {
  stdio?: boolean;
  flaskDir?: string;
  debounce?: number;
  mls?: boolean;
}

function debounceOption(value: string): number {
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(ms <= 60_000)) throw new InvalidArgumentError("expected a number of milliseconds, 0 to 60000.");
  return ms;
}

export function registerLsp(program: Command, _cli: CliContext): void {
  program
    .command("lsp")
    .description("run the language server (LSP over stdio) for policy.conf files and policy trees")
    .option("--stdio", "talk LSP over stdin/stdout (the default and only transport)")
    .option("--flask-dir <dir>", "for trees: Xen's xen/xsm/flask/policy, as for xsm build; or the client's setting xsm.flaskDir")
    .option("-M, --mls", "policies are MLS (as checkpolicy -M; trees built as xsm build --mls); or the client's setting xsm.mls (initializationOptions {\"mls\": true}, or changed while it runs)")
    .option("--debounce <ms>", "quiet time after a change before the policy is analysed again (default: 150)", debounceOption)
    .addHelpText(
      "after",
      "\nOnce a policy compiles, the server also publishes xsm lint's findings for it: the same checks,\n" +
        "suppression comments and .xsm-lint.json as `xsm lint`, with quick fixes for a duplicate rule's\n" +
        "line and an unused boolean of a policy.conf. The client's setting xsm.lint (initializationOptions\n" +
        "{\"lint\": false}, or changed while it runs) turns that off.",
    )
    .action(async (opts: LspOptions) => {
      // checked before the server starts: an editor would only see every tree fail to build
      if (opts.flaskDir !== undefined) {
        const problem = (await import("../build/tree.js")).flaskDirProblem(opts.flaskDir);
        if (problem !== undefined) throw new CliError(problem);
      }
      const { runStdioServer } = await import("../lsp/server.js");
      await runStdioServer({ flaskDir: opts.flaskDir, mls: opts.mls, debounceMs: opts.debounce ?? 150 });
    });
}
