// `xsm why POLICY [LOG|-]`: per avc line of a Xen log, audit2why's cause and ours (the rules,
// conditionals and constraints, file:line). `--plain` prints exactly what `audit2why -p` prints for
// the binary; `--json` one object per avc line (JSON Lines, streamed).
import { Argument, type Command } from "commander";
import type { AvcLine } from "../analysis/avcline.js";
import type { Explanation } from "../analysis/why.js";
import { loadAnalysis, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { readAvcLog, type LogSummary } from "./avclog.js";
import { CliError, UsageError, displayName } from "./io.js";
import type { CliContext } from "./context.js";

interface WhyOptions extends PolicyInputOptions {
  json?: boolean;
  plain?: boolean;
}

/** Refuses a log with nothing to answer (empty, or no avc line): before anything is printed. */
export function checkLogHasAvc(path: string, s: LogSummary): void {
  const name = displayName(path);
  if (s.lines === 0) throw new CliError(`${name}: the log is empty`);
  if (s.avc === 0 && s.malformed === 0) throw new CliError(`${name}: no avc line in ${s.lines} line${s.lines === 1 ? "" : "s"} (expected Xen's "avc:  denied  { ... } for ... scontext=... tcontext=... tclass=..." lines)`);
}

/** The end of a run: what was read, and exit 1 when nothing could be analysed or a line was bad. */
export function finish(cli: CliContext, path: string, s: LogSummary, invalid: number): void {
  const name = displayName(path);
  checkLogHasAvc(path, s);
  const bad = invalid + s.malformed;
  // a malformed avc line is an avc line read (and one not understood): "6 avc lines read, ..., 8
  // not understood" of 8 lines did not add up
  const read = s.avc + s.malformed;
  cli.io.stderr.write(`xsm: ${read} avc line${read === 1 ? "" : "s"} read, ${s.other} other line${s.other === 1 ? "" : "s"} skipped${bad ? `, ${bad} not understood` : ""}\n`);
  if (bad > 0) throw new CliError(`${name}: ${bad} line${bad === 1 ? "" : "s"} could not be analysed (listed above)`);
}

export function registerWhy(program: Command, cli: CliContext): void {
  const cmd = program
    .command("why")
    .description("explain Xen avc denials as audit2why does: a missing rule, a boolean, a constraint; with the rules behind it")
    .argument("<policy>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .addArgument(new Argument("[log]", "a log with Xen's avc lines (`xl dmesg`), or - for standard input").default("-", "-"))
    .option("--plain", "print exactly what audit2why -p prints, without our explanation")
    .option("--json", "one JSON object per avc line");
  policyInputOptions(cmd)
    .action(async (policyPath: string, logPath: string, o: WhyOptions) => {
      if (o.json && o.plain) throw new UsageError("--json and --plain contradict: give one");
      // (the log defaults to -)
      if (policyPath === "-" && logPath === "-") throw new UsageError("the policy is read from standard input (-), and so is the log when none is given: give the log (or the policy) as a file");
      const ap = await loadAnalysis(policyPath, policyPath, o);
      const { WhyAnalyzer } = await import("../analysis/why.js");
      const { audit2whyText, explanationText, Together } = await import("../analysis/audit2.js");
      const analyzer = new WhyAnalyzer(ap);
      const together = new Together();
      const name = displayName(logPath);
      let invalid = 0;
      const onAvc = (avc: AvcLine) => {
        const e: Explanation = analyzer.explain(avc);
        if (e.cause === "invalid") invalid++;
        if (o.json) {
          cli.io.stdout.write(`${JSON.stringify(e)}\n`);
          return;
        }
        if (e.cause === "invalid") {
          cli.io.stderr.write(`${name}:${avc.line}:${e.column}: ${e.message}\n`);
          return;
        }
        cli.io.stdout.write(audit2whyText(avc, e) + (o.plain ? "" : explanationText(e)));
        together.add(avc, e);
      };
      const onMalformed = (line: number, column: number, message: string) => {
        if (o.json) cli.io.stdout.write(`${JSON.stringify({ line, column, cause: "invalid", message })}\n`);
        else cli.io.stderr.write(`${name}:${line}:${column}: malformed avc line: ${message}\n`);
      };
      const summary = await readAvcLog(logPath, process.stdin, onAvc, onMalformed);
      // (a denial's own proposal is its permissions'; audit2allow writes one rule for the lines
      // of one source, target and class, said once the log is read)
      if (!o.json && !o.plain) cli.io.stdout.write(together.text(ap));
      finish(cli, logPath, summary, invalid);
    });
}
