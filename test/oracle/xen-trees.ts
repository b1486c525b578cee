// Xen's policy tree at a ref of xen.git ($XSM_XEN_GIT), and the m4 command its Makefile runs over
// it: Makefile.common's POLICY_SECTIONS from 4.8 (src/build's readTree), and before 4.8 the single
// tools/flask/policy/Makefile's (policy/modules.conf, modules under policy/modules/LAYER/,
// policy/constraints; device_contexts from 4.6, where DEV_OCONS appears).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
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

const FLASK = "../../../xen/xsm/flask/policy";

/** The Makefile's m4 command for the tree under `root` (CONFIG_MLS=n, its defaults). */
export function m4Command(root: string): M4Command {
  const cwd = join(root, "tools/flask/policy");
  if (existsSync(join(cwd, "modules/modules.conf"))) {
    const tree = readTree(cwd, { flaskDir: join(root, "xen/xsm/flask/policy") });
    return { cwd, args: [...tree.m4Params, ...tree.sections] };
  }
  // before 4.8: awk '/^[[:blank:]]*[[:alpha:]]/{ if ($3 == "on") print $1 }' policy/modules.conf
  // (4.6, 4.7: /^[ \t]*[a-z]/), the modules found under policy/modules/*/ in sorted order
  const enabled = readFileSync(join(cwd, "policy/modules.conf"), "utf8")
    .split("\n")
    .filter((l) => /^[ \t]*[A-Za-z]/.test(l))
    .map((l) => l.trim().split(/[ \t]+/))
    .filter((f) => f[2] === "on")
    .map((f) => f[0]!);
  const layers = readdirSync(join(cwd, "policy/modules")).filter((d) => statSync(join(cwd, "policy/modules", d)).isDirectory());
  const modules = layers
    .flatMap((d) => readdirSync(join(cwd, "policy/modules", d)).filter((f) => f.endsWith(".te")).map((f) => `policy/modules/${d}/${f}`))
    .sort()
    .filter((m) => enabled.includes(m.slice(m.lastIndexOf("/") + 1, -3)));
  const support = readdirSync(join(cwd, "policy/support"))
    .filter((f) => f.endsWith(".spt"))
    .sort()
    .map((f) => `policy/support/${f}`);
  const devOcons = readFileSync(join(cwd, "Makefile"), "utf8").includes("DEV_OCONS") ? ["policy/device_contexts"] : [];
  const sections = [
    `${FLASK}/security_classes`,
    "policy/security_classes",
    `${FLASK}/initial_sids`,
    `${FLASK}/access_vectors`,
    "policy/access_vectors",
    ...support,
    "policy/mls",
    ...modules.map((m) => m.replace(/\.te$/, ".if")),
    "policy/global_tunables",
    ...modules,
    "policy/users",
    "policy/constraints",
    "policy/initial_sids",
    ...devOcons,
  ];
  return { cwd, args: ["-D", "self_contained_policy", "-s", "-D", "mls_num_sens=16", "-D", "mls_num_cats=256", ...sections] };
}

/** m4's output for the command, and its trace of every macro call: the arguments m4 collected and
 *  the expansion (--debug=aeqt; no file or line, which blank lines fmt removes would move). */
export function runM4Traced(cmd: M4Command, traceFile: string): { out: string; trace: string } {
  const r = spawnSync("m4", ["--debug=aeqt", `--debugfile=${traceFile}`, ...cmd.args], { cwd: cmd.cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`m4 failed in ${cmd.cwd}: ${r.stderr}`);
  return { out: r.stdout, trace: readFileSync(traceFile, "utf8") };
}
