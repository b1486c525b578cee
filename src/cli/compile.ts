// `xsm compile POLICY [--emit-matrix FILE|-]`: compile a policy.conf, print a one-screen summary,
// optionally write the access matrix as oracle-matrix prints it. loadPolicy is shared by every
// command that starts from a policy file.
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { PolicyError } from "../policy/diagnostics.js";
import type { CompiledPolicy } from "../policy/types.js";
import { CliError, readPolicyFile } from "./io.js";
import type { CliContext } from "./main.js";
import { renderDiagnostics } from "./render.js";

export interface LoadedPolicy {
  policy: CompiledPolicy;
  text: string;
  path: string;
}

/** Reads and compiles a policy file; every diagnostic of a failed compile becomes one rendered
 *  CliError (exit 1). Warnings are printed to stderr when `showWarnings`. */
export async function loadPolicy(cli: CliContext, path: string, showWarnings = false): Promise<LoadedPolicy> {
  const text = readPolicyFile(path);
  // loaded on first use: `xsm --help` and usage errors need not load the compiler
  const { compilePolicy } = await import("../policy/index.js");
  let policy: CompiledPolicy;
  try {
    policy = compilePolicy(text, { file: path });
  } catch (err) {
    if (err instanceof PolicyError) throw new CliError(renderDiagnostics(err.diagnostics, text, path), 1, true);
    throw err;
  }
  if (showWarnings && policy.warnings.length > 0) cli.io.stderr.write(renderDiagnostics(policy.warnings, text, path));
  return { policy, text, path };
}

/** The one-screen summary: what the policy declares and how many rules it compiled to. */
export function summary(path: string, policy: CompiledPolicy): string {
  const s = policy.stats;
  const rows: [string, string][] = [
    ["types", `${s.types}`],
    ["attributes", `${s.attributes}`],
    ["classes", `${s.classes}`],
    ["permissions", `${s.perms}`],
    ["rules", `${s.rules} (${s.allow} allow)`],
    ["booleans", `${s.booleans}`],
    ["constraints", `${s.constraints}`],
    ["ocontexts", `${s.ocontexts}`],
    ["warnings", `${policy.warnings.length}`],
  ];
  const width = Math.max(...rows.map(([, v]) => v.split(" ")[0].length));
  const lines = rows.map(([k, v]) => {
    const [n, ...rest] = v.split(" ");
    return `  ${k.padEnd(12)}${n.padStart(width)}${rest.length ? ` ${rest.join(" ")}` : ""}`;
  });
  return `${path}: compiled\n${lines.join("\n")}\n`;
}

interface CompileOptions {
  emitMatrix?: string;
}

/** oracle-matrix's stdout for the same policy: the canonical document and a newline. */
function matrixBytes(policy: CompiledPolicy): string {
  const json = policy.matrixJson();
  return json.endsWith("\n") ? json : `${json}\n`;
}

async function runCompile(cli: CliContext, path: string, opts: CompileOptions): Promise<void> {
  const { policy } = await loadPolicy(cli, path, true);
  // --expand (SVP desugaring, printed as plain policy.conf) goes here, before the summary
  if (opts.emitMatrix === "-") {
    // stdout carries only the matrix, so it can be piped; the summary goes to stderr
    cli.io.stdout.write(matrixBytes(policy));
    cli.io.stderr.write(summary(path, policy));
    return;
  }
  cli.io.stdout.write(summary(path, policy));
  if (opts.emitMatrix !== undefined) {
    try {
      writeFileSync(opts.emitMatrix, matrixBytes(policy));
    } catch (err) {
      throw new CliError(`cannot write matrix to ${opts.emitMatrix}: ${(err as Error).message}`);
    }
    cli.io.stdout.write(`matrix written to ${opts.emitMatrix}\n`);
  }
}

export function registerCompile(program: Command, cli: CliContext): void {
  program
    .command("compile")
    .description("compile a policy.conf (checkpolicy's language, Xen target) and print a summary")
    .argument("<policy>", "policy.conf file")
    .option("--emit-matrix <file>", "write the access matrix (oracle-matrix's JSON) to FILE, or - for stdout")
    .action((path: string, opts: CompileOptions) => runCompile(cli, path, opts));
}
