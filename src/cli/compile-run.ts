// What `xsm compile` does once its arguments are parsed (compile.ts registers the command with
// commander); loadPolicy is shared by every command that starts from a policy file. Kept apart
// from commander: src/cli/main.ts runs `xsm compile FILE [-o OUT]`, the form a Makefile runs once
// per file, straight from here without loading commander or building its program.
import { PolicyError } from "../diagnostics/diagnostic.js";
import type { CompiledPolicy } from "../policy/types.js";
import type { PolicyInput } from "../binary/load.js";
import { CliError, UsageError, displayName, readPolicyInput, refuseMlsForBinary } from "./io.js";
import { checkOutputs, writeOutput, writeOutputs } from "./output.js";
import type { CliContext, CliOutput } from "./context.js";
import { failWith, withFormat, writeDiagnostics, type OutputFormat } from "./format.js";
import { renderDiagnostics } from "../diagnostics/render.js";

export interface LoadedPolicy {
  policy: CompiledPolicy;
  text: string;
  path: string;
  /** What the load read, for `xsm scaffold`: a source's AST as parsed (its platform blocks, users
   *  and roles as written), or a binary's symbol tables (whose platform attributes it rebuilds
   *  platforms from). */
  read: Pick<PolicyInput, "ast" | "symbols">;
}

/** Reads and compiles a policy file; every diagnostic of a failed compile becomes one rendered
 *  CliError (exit 1). Warnings are printed to stderr when `showWarnings`. */
export async function loadPolicy(cli: CliContext, file: string, showWarnings = false, format: OutputFormat = "text", options: { mls?: boolean } = {}): Promise<LoadedPolicy> {
  const input = readPolicyInput(file);
  const path = displayName(file);
  if ("binary" in input) {
    // a binary policy (its magic): read as Xen's reader does, into the same compiled form
    const { loadBinary } = await import("../binary/load.js");
    try {
      const loaded = loadBinary(input.binary, path);
      refuseMlsForBinary(path, input.binary, options.mls);
      if (showWarnings && format === "text" && loaded.warnings.length > 0) cli.io.stderr.write(renderDiagnostics(loaded.warnings, loaded.text, path));
      return { policy: loaded.policy, text: loaded.text, path, read: loaded };
    } catch (err) {
      if (err instanceof PolicyError) failWith(cli, err.diagnostics, { format, text: "", fallbackFile: path });
      throw err;
    }
  }
  const text = input.text;
  // loaded on first use: `xsm --help` and usage errors need not load the compiler
  const { compile } = await import("../policy/index.js");
  const run = compile(text, { file: path, mls: options.mls === true });
  if (!run.ok) failWith(cli, run.error, { format, text, fallbackFile: path });
  const { policy, parsed, symbols } = run.value;
  if (showWarnings && format === "text" && policy.warnings.length > 0) cli.io.stderr.write(renderDiagnostics(policy.warnings, text, path));
  return { policy, text, path, read: { ast: parsed, symbols } };
}

export { displayName } from "./io.js";

/** The one-screen summary: what the policy declares and how many rules it compiled to.
 *  `warnings` is how many warnings were printed (with -o, Xen's refusals join the compile's). */
export function summary(path: string, policy: CompiledPolicy, warnings = policy.warnings.length): string {
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
    ["warnings", `${warnings}`],
  ];
  const width = Math.max(...rows.map(([, v]) => v.split(" ")[0]!.length));
  const lines = rows.map(([k, v]) => {
    const [n, ...rest] = v.split(" ");
    return `  ${k.padEnd(12)}${n!.padStart(width)}${rest.length ? ` ${rest.join(" ")}` : ""}`;
  });
  return `${path}: compiled\n${lines.join("\n")}\n`;
}

export interface CompileOptions {
  emitMatrix?: string;
  expand?: boolean;
  format: OutputFormat;
  output?: string;
  policyvers?: string;
  handleUnknown?: string;
  strict?: boolean;
  mls?: boolean;
}

/** oracle-matrix's stdout for the same policy: the canonical document and a newline. */
function matrixBytes(policy: CompiledPolicy): string {
  const json = policy.matrixJson();
  return json.endsWith("\n") ? json : `${json}\n`;
}

export async function runCompile(cli: CliContext, file: string, opts: CompileOptions): Promise<void> {
  if (opts.policyvers !== undefined || opts.handleUnknown !== undefined) (await import("./compile-binary.js")).checkBinaryOptions(opts);
  if (opts.expand && opts.emitMatrix === "-") throw new UsageError("--expand and --emit-matrix - both want stdout; write the matrix to a file");
  if (opts.format !== "text" && (opts.expand || opts.emitMatrix === "-")) {
    throw new UsageError(`--format ${opts.format} writes its document to stdout; ${opts.expand ? "--expand" : "--emit-matrix -"} wants it too`);
  }
  if (opts.expand && opts.output !== undefined) throw new UsageError("--expand and -o: write the binary from the expanded policy in a second run");
  // the outputs' paths are checked before the compile prints anything
  const outputs = [...(opts.output !== undefined ? [{ path: opts.output, what: "binary policy", option: "-o" }] : []), ...(opts.emitMatrix !== undefined && opts.emitMatrix !== "-" ? [{ path: opts.emitMatrix, what: "matrix", option: "--emit-matrix" }] : [])];
  if (opts.format !== "text") return withFormat(cli, opts.format, () => (checkOutputs(outputs, [file]), compileReport(cli, file, opts)));
  checkOutputs(outputs, [file]);
  if (opts.output !== undefined) {
    const { compileToBinary } = await import("./compile-binary.js");
    const { policy, warnings, bytes } = await compileToBinary(cli, file, { ...opts, output: opts.output });
    const report = opts.emitMatrix === "-" ? cli.io.stderr : cli.io.stdout;
    const matrixFile = opts.emitMatrix !== undefined && opts.emitMatrix !== "-" ? opts.emitMatrix : undefined;
    // the binary and the matrix are written together or not at all, and not when what is printed
    // about them cannot be (output.ts: the report goes before the renames)
    const files = [{ path: opts.output, data: bytes, what: "binary policy", option: "-o" }, ...(matrixFile ? [{ path: matrixFile, data: matrixBytes(policy!), what: "matrix", option: "--emit-matrix" }] : [])];
    await writeOutputs(files, [file], undefined, () => {
      if (opts.emitMatrix === "-") cli.io.stdout.write(matrixBytes(policy!));
      if (policy) report.write(summary(displayName(file), policy, warnings.length));
      report.write(`binary policy written to ${opts.output}\n`);
      if (matrixFile) report.write(`matrix written to ${matrixFile}\n`);
    });
    return;
  }
  // the whole compile runs first (neverallows included), so --expand never prints a policy we reject
  const loaded = await loadPolicy(cli, file, true, "text", { mls: opts.mls });
  const { policy, text, path } = loaded;
  if (opts.expand) {
    const { expandPolicyText } = await import("../policy/svp.js");
    const expanded = expandPolicyText(text, path);
    if (expanded.text === undefined) throw new CliError(renderDiagnostics(expanded.diagnostics, text, path), 1, true);
    // stdout carries only the plain policy.conf, so it can go straight to checkpolicy
    cli.io.stdout.write(expanded.text);
    cli.io.stderr.write(summary(path, policy));
    if (opts.emitMatrix !== undefined) await writeMatrix(cli, policy, opts.emitMatrix, cli.io.stderr, path);
    return;
  }
  if (opts.emitMatrix === "-") {
    // stdout carries only the matrix, so it can be piped; the summary goes to stderr
    cli.io.stdout.write(matrixBytes(policy));
    cli.io.stderr.write(summary(path, policy));
    return;
  }
  cli.io.stdout.write(summary(path, policy));
  if (opts.emitMatrix !== undefined) await writeMatrix(cli, policy, opts.emitMatrix, cli.io.stdout, path);
}

/** --format json|sarif: the warnings (or every error) as one document on stdout; json adds the
 *  summary's figures. */
async function compileReport(cli: CliContext, path: string, opts: CompileOptions): Promise<void> {
  if (opts.output !== undefined) {
    const { compileToBinary } = await import("./compile-binary.js");
    const { policy, warnings, text, bytes } = await compileToBinary(cli, path, { ...opts, output: opts.output, format: opts.format });
    const matrix = opts.emitMatrix !== undefined && policy ? [{ path: opts.emitMatrix, data: matrixBytes(policy), what: "matrix", option: "--emit-matrix" }] : [];
    await writeOutputs([{ path: opts.output, data: bytes, what: "binary policy", option: "-o" }, ...matrix], [path], undefined, () => {
      if (matrix.length > 0) cli.io.stderr.write(`matrix written to ${opts.emitMatrix}\n`);
      writeDiagnostics(cli, warnings, { format: opts.format, text, fallbackFile: path }, { file: path, stats: policy?.stats, output: opts.output });
    });
    return;
  }
  const { policy, text } = await loadPolicy(cli, path, true, opts.format, { mls: opts.mls });
  if (opts.emitMatrix !== undefined) await writeMatrix(cli, policy, opts.emitMatrix, cli.io.stderr, path);
  writeDiagnostics(cli, policy.warnings, { format: opts.format, text, fallbackFile: path }, { file: path, stats: policy.stats });
}

async function writeMatrix(cli: CliContext, policy: CompiledPolicy, file: string, report: CliOutput, input: string): Promise<void> {
  await writeOutput(file, matrixBytes(policy), "matrix", [input], "--emit-matrix", () => report.write(`matrix written to ${file}\n`));
}
