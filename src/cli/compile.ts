// `xsm compile POLICY [--emit-matrix FILE|-] [--expand]`: compile a policy.conf, print a one-screen summary,
// optionally write the access matrix as oracle-matrix prints it. loadPolicy is shared by every
// command that starts from a policy file.
import type { Command } from "commander";
import type { CliContext } from "./context.js";
import { parseFormat, type OutputFormat } from "./format-option.js";
import { runCompile, type CompileOptions } from "./compile-run.js";

export { displayName, loadPolicy, summary, type LoadedPolicy } from "./compile-run.js";

export function registerCompile(program: Command, cli: CliContext): void {
  program
    .command("compile")
    .description("compile a policy.conf (checkpolicy's language, Xen target) and print a summary")
    .argument("<policy>", "policy.conf or binary policy file, or - for standard input")
    .option("--emit-matrix <file>", "write the access matrix (oracle-matrix's JSON) to FILE, or - for stdout")
    .option("--expand", "print the plain policy.conf the SVP platform declarations desugar to (checkpolicy accepts it)")
    .option("-o, --output <file>", "write the binary policy (as checkpolicy -t Xen -c 30 writes it) to FILE")
    .option("-c, --policyvers <version>", "binary policy version: 30 (default) or 24")
    .option("-U, --handle-unknown <action>", "handle_unknown in the binary: deny (default), reject or allow")
    .option("--strict", "constructs Xen's loader refuses are errors, not warnings")
    .option("-M, --mls", "an MLS policy: a policy.conf as checkpolicy -M reads it (sensitivities, categories, levels, ranges, mlsconstrain); a binary says so itself (and refuses -M when it is not MLS, as checkpolicy -b -M does)")
    .option("--format <format>", "how diagnostics are written: text (stderr), json or sarif (one document on stdout)", parseFormat, "text" as OutputFormat)
    .action((path: string, opts: CompileOptions) => runCompile(cli, path, opts));
}
