// `xsm allow POLICY [LOG|-]`: the allow rules audit2allow prints for the denials of a Xen log,
// grouped by source type with its `#!!!!` marks; `--module NAME` as a .te module for Xen's tree.
import { Argument, type Command } from "commander";
import type { AvcLine } from "../analysis/avcline.js";
import { loadAnalysis, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { readAvcLog } from "./avclog.js";
import { UsageError, displayName } from "./io.js";
import type { CliContext } from "./context.js";
import { checkLogHasAvc, finish } from "./why.js";

interface AllowOptions extends PolicyInputOptions {
  module?: string;
  json?: boolean;
}

export function registerAllow(program: Command, cli: CliContext): void {
  const cmd = program
    .command("allow")
    .description("the allow rules that would permit a Xen log's avc denials, as audit2allow prints them")
    .argument("<policy>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .addArgument(new Argument("[log]", "a log with Xen's avc lines (`xl dmesg`), or - for standard input").default("-", "-"))
    .option("-m, --module <name>", "print a .te module named NAME (module and require blocks)")
    .option("--json", "print the rules as JSON");
  policyInputOptions(cmd)
    .action(async (policyPath: string, logPath: string, o: AllowOptions) => {
      if (o.module !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.module)) throw new UsageError(`--module: '${o.module}' is not a module name (letters, digits, _)`);
      // --module lays out the text as a .te module; JSON has no module to write (it was dropped silently)
      if (o.module !== undefined && o.json) throw new UsageError("--json and --module contradict: give one");
      // (the log defaults to -)
      if (policyPath === "-" && logPath === "-") throw new UsageError("the policy is read from standard input (-), and so is the log when none is given: give the log (or the policy) as a file");
      const ap = await loadAnalysis(policyPath, policyPath, o);
      const { WhyAnalyzer } = await import("../analysis/why.js");
      const { AllowSet } = await import("../analysis/audit2.js");
      const analyzer = new WhyAnalyzer(ap);
      const set = new AllowSet();
      const name = displayName(logPath);
      let invalid = 0;
      const onAvc = (avc: AvcLine) => {
        const e = analyzer.explain(avc);
        if (e.cause === "invalid") {
          invalid++;
          cli.io.stderr.write(`${name}:${avc.line}:${e.column}: ${e.message}\n`);
        }
        set.add(avc, e);
      };
      const summary = await readAvcLog(logPath, process.stdin, onAvc, (line, column, message) => cli.io.stderr.write(`${name}:${line}:${column}: malformed avc line: ${message}\n`));
      checkLogHasAvc(logPath, summary);
      cli.io.stdout.write(o.json ? `${JSON.stringify(set.rules(), null, 2)}\n` : set.render(o.module));
      finish(cli, logPath, summary, invalid);
    });
}
