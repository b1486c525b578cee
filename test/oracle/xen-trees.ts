// Xen's policy tree at a ref of xen.git ($XSM_XEN_GIT), and the m4 command its Makefile runs over
// it (src/build's readTree: Makefile.common's POLICY_SECTIONS from 4.8, the single
// tools/flask/policy/Makefile's before).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readTree } from "../../src/build/index.js";

/** HEAD and the release tags the fmt test reads (RELEASE-4.3.0 .. RELEASE-4.20.0). */
export const XEN_REFS = ["HEAD", ...Array.from({ length: 18 }, (_, i) => `RELEASE-4.${i + 3}.0`)];

/** Writes tools/flask/policy and xen/xsm/flask/policy of `ref` under `root`. */
export function checkoutPolicy(git: string, ref: string, root: string): void {
  mkdirSync(root, { recursive: true });
  const tar = execFileSync("git", ["-C", git, "archive", "--format=tar", ref, "tools/flask/policy", "xen/xsm/flask/policy"], { maxBuffer: 64 << 20 });
  execFileSync("tar", ["-x", "-C", root], { input: tar });
}

export interface M4Command {
  /** tools/flask/policy, where make runs m4 (so #line names read "policy/..."). */
  cwd: string;
  args: string[];
}

/** The Makefile's m4 command for the tree under `root` (CONFIG_MLS=n, its defaults): src/build's
 *  readTree, Makefile.common's from 4.8 and the single Makefile's before. */
export function m4Command(root: string): M4Command {
  const cwd = join(root, "tools/flask/policy");
  const tree = readTree(cwd, { flaskDir: join(root, "xen/xsm/flask/policy") });
  return { cwd, args: [...tree.m4Params, ...tree.sections] };
}

/** m4's output for the command, and its trace of every macro call: the arguments m4 collected and
 *  the expansion (--debug=aeqt; no file or line, which blank lines fmt removes would move). */
export function runM4Traced(cmd: M4Command, traceFile: string): { out: string; trace: string } {
  const r = spawnSync("m4", ["--debug=aeqt", `--debugfile=${traceFile}`, ...cmd.args], { cwd: cmd.cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`m4 failed in ${cmd.cwd}: ${r.stderr}`);
  return { out: r.stdout, trace: readFileSync(traceFile, "utf8") };
}
