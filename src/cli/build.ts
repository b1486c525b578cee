// `xsm build DIR [--flask-dir DIR] [--conf FILE|-] [--mls] [-D NAME[=VALUE]]...`: builds a policy
// tree in xen.git's layout (tools/flask/policy) as Xen's Makefile.common does: m4 over the
// sections in its order and with its flags, then the compiler. Diagnostics point into the .te/.if
// files; --conf writes m4's policy.conf (byte-identical to Makefile.common's).
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { hasErrors } from "../policy/diagnostics.js";
import { summary } from "./compile.js";
import { CliError } from "./io.js";
import type { CliContext } from "./main.js";
import { renderDiagnostics } from "./render.js";

interface BuildOptions {
  flaskDir?: string;
  conf?: string;
  mls?: boolean;
  define: string[];
}

async function runBuild(cli: CliContext, dir: string, opts: BuildOptions): Promise<void> {
  const { buildTree, TreeError } = await import("../build/index.js");
  let result;
  try {
    result = buildTree(dir, { flaskDir: opts.flaskDir, mls: opts.mls, defines: opts.define });
  } catch (err) {
    if (err instanceof TreeError) throw new CliError(err.message);
    throw err;
  }
  const { diagnostics, policy, conf, sources } = result;
  if (hasErrors(diagnostics) || !policy) throw new CliError(renderDiagnostics(diagnostics, sources, dir), 1, true);
  if (diagnostics.length > 0) cli.io.stderr.write(renderDiagnostics(diagnostics, sources, dir));
  if (opts.conf === "-") {
    // stdout carries only policy.conf, so it can be piped to checkpolicy
    cli.io.stdout.write(conf);
    cli.io.stderr.write(summary(dir, policy));
    return;
  }
  if (opts.conf !== undefined) {
    try {
      writeFileSync(opts.conf, conf);
    } catch (err) {
      throw new CliError(`cannot write ${opts.conf}: ${(err as Error).message}`);
    }
  }
  cli.io.stdout.write(summary(dir, policy));
  if (opts.conf !== undefined) cli.io.stdout.write(`policy.conf written to ${opts.conf}\n`);
}

export function registerBuild(program: Command, cli: CliContext): void {
  program
    .command("build")
    .description("build a policy tree in xen.git's layout (tools/flask/policy) with m4, as Xen's Makefile.common does")
    .argument("<dir>", "the tree: modules/modules.conf, modules/*.te and *.if, policy/*")
    .option("--flask-dir <dir>", "Xen's xen/xsm/flask/policy (default: DIR/../../../xen/xsm/flask/policy, as in xen.git)")
    .option("--conf <file>", "write the m4-expanded policy.conf to FILE, or - for stdout")
    .option("--mls", "build the MLS policy (Makefile.common's CONFIG_MLS=y: -D enable_mls)")
    .option("-D, --define <name[=value]>", "an extra m4 definition, e.g. -D prot_doms_locked_conf=true (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action((dir: string, opts: BuildOptions) => runBuild(cli, dir, opts));
}
