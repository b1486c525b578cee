// `xsm allow POLICY [LOG|-]`: the allow rules audit2allow prints for the denials of a Xen log,
// grouped by source type with its `#!!!!` marks; `--module NAME` as a .te module for Xen's tree.
import { Argument, type Command } from "commander";
import type { AvcLine } from "../analysis/avcline.js";
import type { GrantsOf, Missing } from "../analysis/audit2.js";
import type { PermMap } from "../analysis/permmap.js";
import type { AccessQuery, CallAccess } from "../build/interfaces.js";
import type { ExpandedTree } from "../build/expand.js";
import type { MacroDef } from "../build/macros.js";
import type { CompiledPolicy } from "../policy/types.js";
import { isDirectory, loadAnalysisInput, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { readAvcLog } from "./avclog.js";
import { UsageError, displayName } from "./io.js";
import type { CliContext } from "./context.js";
import { checkLogHasAvc, finish } from "./why.js";

interface AllowOptions extends PolicyInputOptions {
  module?: string;
  json?: boolean;
  interfaces?: boolean;
  permMap?: string;
}

export function registerAllow(program: Command, cli: CliContext): void {
  const cmd = program
    .command("allow")
    .description("the allow rules that would permit a Xen log's avc denials, as audit2allow prints them")
    .argument("<policy>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .addArgument(new Argument("[log]", "a log with Xen's avc lines (`xl dmesg`), or - for standard input").default("-", "-"))
    .option("-m, --module <name>", "print a .te module named NAME (module and require blocks)")
    .option("--json", "print the rules as JSON")
    .option("-R, --interfaces", "for a policy tree, as audit2allow -R: a rule one of the tree's m4 interfaces grants is written as the nearest call of it (modules/*.if), the rule in a comment")
    .option("--perm-map <file>", "with -R: the permission map (setools' format) whose weights and directions rank the calls, as audit2allow --perm-map (default: xsm's Xen map, src/analysis/xen.permmap)");
  policyInputOptions(cmd)
    .action(async (policyPath: string, logPath: string, o: AllowOptions) => {
      if (o.module !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.module)) throw new UsageError(`--module: '${o.module}' is not a module name (letters, digits, _)`);
      // --module lays out the text as a .te module; JSON has no module to write (it was dropped silently)
      if (o.module !== undefined && o.json) throw new UsageError("--json and --module contradict: give one");
      // (the log defaults to -)
      if (policyPath === "-" && logPath === "-") throw new UsageError("the policy is read from standard input (-), and so is the log when none is given: give the log (or the policy) as a file");
      // (the interfaces are the tree's .if files: a policy.conf or a binary has none to offer)
      if (o.permMap !== undefined && !o.interfaces) throw new UsageError("--perm-map ranks the interfaces -R offers: give -R (or drop --perm-map)");
      if (o.interfaces && (policyPath === "-" || !isDirectory(policyPath))) throw new UsageError(`--interfaces: ${displayName(policyPath)} is not a policy tree (a directory with modules/modules.conf), whose m4 interfaces it offers`);
      const { analysis: ap, expanded } = await loadAnalysisInput(policyPath, policyPath, o);
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
      // (the tree's m4 run and compiled policy, as the analysis read them: no second run of either)
      const grants = o.interfaces && expanded ? await interfaceGrants(cli, expanded, ap.policy, o.mls, o.permMap, set.missing()) : undefined;
      // audit2allow's text stays its own; a rule checkpolicy would refuse is said beside it
      const refused = set.refused(ap);
      cli.io.stdout.write(o.json ? `${JSON.stringify(set.rules(grants, refused), null, 2)}\n` : set.render(o.module, grants));
      if (!o.json) {
        const { proposalLines } = await import("../policy/reasons.js");
        for (const p of refused.values()) cli.io.stderr.write(proposalLines(p, "xsm: ").map((l) => `${l}\n`).join(""));
      }
      finish(cli, logPath, summary, invalid);
    });
}

/** The tree's interfaces that grant each missing access vector (src/build/interfaces.ts), by the
 *  vector's source, target and class, ranked by the permission map at `permMapPath` (default:
 *  xsm's Xen map): what `xsm allow -R` proposes, and `xsm check` for a denial no rule grants. */
export async function interfaceGrants(cli: CliContext, expanded: ExpandedTree, policy: CompiledPolicy, mls: boolean | undefined, permMapPath: string | undefined, missing: Missing[]): Promise<GrantsOf> {
  const permMap: PermMap = await (await import("./flow.js")).loadMap(permMapPath, cli);
  const { grantingInterfaces } = await import("../build/interfaces.js");
  const { macroComment, macroSignature } = await import("../lsp/signature.js");
  // the parameters as the interface's comment names them (`# create_channel(source, destination, channel_label)`)
  const parameters = (def: MacroDef) => {
    const sig = macroSignature(def, macroComment(expanded.sources(def.file) ?? "", def));
    return sig.parameters.map(([from, to]) => sig.label.slice(from, to));
  };
  const { interfaceDistance } = await import("../analysis/interface-match.js");
  const distance = (want: AccessQuery, access: readonly CallAccess[], args: ReadonlySet<string>) => interfaceDistance(want, access, args, permMap);
  const found = grantingInterfaces(expanded, missing, { policy, mls, parameters, distance });
  const byKey = new Map(missing.map((m, i) => [`${m.source}\0${m.target}\0${m.tclass}`, found[i]!]));
  return (av) => byKey.get(`${av.source}\0${av.target}\0${av.tclass}`);
}
