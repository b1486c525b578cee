// `xsm diff OLD NEW [--access] [--json]`: sediff's report, or the effective access that changes.
// Exit status follows diff(1): 0 equal, 1 different, 2 trouble (an unreadable or invalid policy).
import type { Command } from "commander";
import type { AnalysisPolicy } from "../analysis/load.js";
import { isDirectory, loadAnalysis, policyInputOptions, type PolicyInputOptions } from "./analysis-input.js";
import { CliError, UsageError } from "./io.js";
import type { CliContext } from "./context.js";

interface DiffOptions extends PolicyInputOptions {
  access?: boolean;
  json?: boolean;
}

/** Policies that fail to load are diff's "trouble": exit 2, not 1 (1 means they differ). */
async function load(path: string, options: PolicyInputOptions): Promise<AnalysisPolicy> {
  try {
    return await loadAnalysis(path, path, options);
  } catch (err) {
    if (err instanceof CliError && !err.usage) throw new CliError(err.message, 2, err.rendered);
    throw err;
  }
}

export function registerDiff(program: Command, cli: CliContext): void {
  const cmd = program
    .command("diff")
    .description("compare two policies as sediff does (components, TE and role allow rules, constraints, initial SIDs, Xen ocontexts); --access: the effective permissions that change")
    .argument("<old>", "policy.conf, binary policy or policy tree directory (built as xsm build builds it), or - for standard input")
    .argument("<new>", "policy.conf, binary policy or policy tree directory (the tree options apply to both), or - for standard input when OLD is a file")
    .option("--access", "per (source, target, class): the effective permissions gained and lost")
    .option("--json", "print JSON");
  policyInputOptions(cmd)
    .action(async (oldPath: string, newPath: string, o: DiffOptions) => {
      if (oldPath === "-" && newPath === "-") throw new UsageError("standard input (-) can be read only once: give one of the policies as a file");
      // the tree options go to the tree(s) among the two; given with two files, loading refuses them
      const trees = [oldPath, newPath].map((p) => p !== "-" && isDirectory(p));
      const forFile: PolicyInputOptions = trees.some(Boolean) ? { mls: o.mls } : o;
      const a = await load(oldPath, trees[0] ? o : forFile);
      const b = await load(newPath, trees[1] ? o : forFile);
      if (!o.access) for (const note of [...(a.notes ?? []), ...(b.notes ?? [])]) cli.io.stderr.write(`xsm: note: ${note}\n`);
      const { accessDiff, diffPolicies, renderAccess, renderDiff } = await import("../analysis/diff.js");
      let differs: boolean;
      if (o.access) {
        const changes = accessDiff(a, b);
        differs = changes.length > 0;
        cli.io.stdout.write(o.json ? `${JSON.stringify(changes, null, 2)}\n` : renderAccess(changes));
      } else {
        const report = diffPolicies(a, b);
        differs = report.differs;
        cli.io.stdout.write(o.json ? `${JSON.stringify(report.sections, null, 2)}\n` : renderDiff(report));
      }
      if (differs) throw new CliError("", 1, true);
    });
}
