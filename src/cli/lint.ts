// `xsm lint POLICY|DIR [--config FILE] [--flask-dir DIR] [-M] [-D NAME[=VALUE]]... [--format text|json|sarif] [--list] [--stdin-filepath PATH]`:
// the checks of src/lint over a policy.conf or a policy tree (built as `xsm build` builds it, findings
// located in its .te/.if files). Exit 1 when an error-level finding is left (or the policy does not
// compile). `-` is standard input, named <stdin> with .xsm-lint.json looked up in the current
// directory, or, with --stdin-filepath PATH (fmt's option), linted as the file PATH an editor's
// buffer stands for: PATH in every message, its config beside PATH. PATH itself is never read.
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { inTree, withFormat, writeDiagnostics, type OutputFormat, type Report } from "./format.js";
import { parseFormat } from "./format-option.js";
import { CliError, UsageError, STDIN, displayName, readPolicyFile, readTextFile } from "./io.js";
import type { CliContext } from "./context.js";
import { countLine, renderDiagnostics } from "../diagnostics/render.js";
import { expandTreeArgument, policyInputOptions, refuseTreeOptions, type PolicyInputOptions } from "./analysis-input.js";

interface LintOptions extends PolicyInputOptions {
  config?: string;
  format: OutputFormat;
  list?: boolean;
  stdinFilepath?: string;
}

/** The config named, else `.xsm-lint.json` beside the policy (or in the tree). */
function configPath(target: string, isDir: boolean, given?: string): string | undefined {
  if (given !== undefined) return given;
  const auto = join(isDir ? target : dirname(target), ".xsm-lint.json");
  return existsSync(auto) ? auto : undefined;
}

/** `xsm lint --list`: the checks, then what Xen would refuse or make of the policy. */
async function listChecks(cli: CliContext, opts: LintOptions): Promise<void> {
  const lint = await import("../lint/index.js");
  const { CATALOG } = await import("../diagnostics/catalog.js");
  if (opts.format === "sarif") throw new UsageError("--list prints the checks as text or, with --format json, as JSON; SARIF is for findings");
  if (opts.format === "json") {
    const checks = [
      ...lint.CHECKS.map((c) => ({ code: c.code, severity: c.severity, rationale: c.rationale, example: c.example })),
      { ...lint.MODULE_SWITCH, severity: CATALOG[lint.MODULE_SWITCH.code].severity },
      ...lint.XEN_LINT_CODES.map((code) => ({ code, severity: CATALOG[code].severity, rationale: CATALOG[code].help, example: lint.XEN_LINT_EXAMPLES[code] })),
    ];
    cli.io.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
    return;
  }
  for (const c of lint.CHECKS) cli.io.stdout.write(`${c.code} (${c.severity}): ${c.rationale}\n    e.g. ${c.example}\n`);
  // a policy tree's own: its modules.conf as the Makefile reads it
  const m = lint.MODULE_SWITCH;
  cli.io.stdout.write(`${m.code} (${CATALOG[m.code].severity}): ${m.rationale}\n    e.g. ${m.example}\n`);
  // what Xen would refuse or make of the policy: reported, suppressed and configured as the checks
  for (const code of lint.XEN_LINT_CODES) cli.io.stdout.write(`${code} (${CATALOG[code].severity}): ${CATALOG[code].help}\n    e.g. ${lint.XEN_LINT_EXAMPLES[code]}\n`);
}

async function runLint(cli: CliContext, target: string, opts: LintOptions): Promise<void> {
  const lint = await import("../lint/index.js");
  // refused before standard input is read, in fmt's words
  const assumed = opts.stdinFilepath;
  if (assumed !== undefined && target !== STDIN) throw new UsageError(`--stdin-filepath ${assumed}: it names the file standard input stands for; give - to read standard input`);
  if (assumed === STDIN) throw new UsageError("--stdin-filepath -: give the name of the file standard input stands for (as in its messages), not - itself");
  const isDir = target !== STDIN && existsSync(target) && statSync(target).isDirectory();
  // PATH stands for a file (standard input is one policy.conf), so its config is looked up as a
  // file's, beside it, whatever is on disk at PATH
  const cfgFile = configPath(assumed ?? target, isDir, opts.config);
  let config = {};
  if (cfgFile !== undefined) {
    const { readLintConfig } = await import("../lint/config.js");
    const read = readLintConfig(cfgFile, readTextFile(cfgFile, "lint config"));
    if ("problem" in read) throw new CliError(read.problem.message);
    config = read.config;
  }
  let diagnostics: Diagnostic[];
  let report: Report;
  if (isDir) {
    const expanded = await expandTreeArgument(target, opts);
    const { sources } = expanded;
    const { modulesConfReading } = await import("../build/index.js");
    const tree = { ...expanded, modulesConf: modulesConfReading(expanded.tree) };
    const run = expanded.failed ? undefined : lint.lintText(expanded.conf, "policy.conf", { mls: opts.mls, xenSids: expanded.tree.xenSids });
    const found = [...lint.treeFindings(run, tree, config), ...(expanded.failed ? expanded.diagnostics : [])];
    // named from where xsm ran, in every format (the tree's #lines name them relative to the tree)
    const placed = inTree(found, target, sources);
    diagnostics = placed.diagnostics;
    report = { format: opts.format, text: placed.text, fallbackFile: target };
  } else {
    refuseTreeOptions(assumed ?? target, opts);
    const text = readPolicyFile(target, "xsm lint");
    const name = assumed ?? displayName(target);
    report = { format: opts.format, text, fallbackFile: name };
    diagnostics = lint.confFindings(lint.lintText(text, name, { mls: opts.mls }), text, name, config);
  }
  if (opts.format === "text") {
    if (diagnostics.length > 0) {
      const rendered = renderDiagnostics(diagnostics, report.text, report.fallbackFile);
      // renderDiagnostics counts only when there are errors; lint always says how many it found
      cli.io.stdout.write(hasErrors(diagnostics) ? rendered : `${rendered}${countLine(diagnostics)}\n`);
    }
  } else {
    writeDiagnostics(cli, diagnostics, report);
  }
  if (hasErrors(diagnostics)) throw new CliError("", 1, true);
}

export function registerLint(program: Command, cli: CliContext): void {
  const cmd = program
    .command("lint")
    .description("check a policy.conf or a policy tree for unused, empty, duplicate and redundant declarations and rules")
    .argument("[policy]", "policy.conf file or policy tree directory (built as xsm build builds it), or - for standard input (named <stdin> unless --stdin-filepath names its file)")
    .option("--config <file>", "severities per check, JSON {\"severity\": {CODE: \"error\"|\"warning\"|\"info\"|\"hint\"|\"off\"}} (default: .xsm-lint.json beside the policy)")
    .option("--format <format>", "how findings are written: text, json or sarif (one document on stdout)", parseFormat, "text" as OutputFormat)
    .option("--list", "list the checks with their code, severity, rationale and an example")
    .option("--stdin-filepath <path>", "lint - as the file PATH: name PATH in findings and read .xsm-lint.json beside it, for editors; PATH is not read");
  policyInputOptions(cmd, { reads: "source" })
    .action((target: string | undefined, opts: LintOptions) => {
      // optional for --list; without it, commander's words and usage hint, as a required argument gets
      if (opts.list) return withFormat(cli, opts.format, () => listChecks(cli, opts));
      if (target === undefined) return cmd.error("error: missing required argument 'policy'", { exitCode: 2 });
      return withFormat(cli, opts.format, () => runLint(cli, target, opts));
    });
}
