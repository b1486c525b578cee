// Runs GNU m4 over a policy tree's sections, as Makefile.common's `$(M4) $(M4PARAM)
// $(POLICY_SECTIONS) > policy.conf` does. m4 is a program the user installs (Debian: m4); we do not
// reimplement it, so the text is m4's own.
import { spawnSync } from "node:child_process";
import { error, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import { TreeError, type PolicyTree } from "./tree.js";

export interface M4Result {
  /** policy.conf as m4 wrote it. */
  text: string;
  /** m4's own complaints (stderr), each located where m4 says. */
  diagnostics: Diagnostic[];
}

/** `m4:modules/x.te:18: Warning: ...` or `m4:modules/x.te:18: ERROR: ...`. */
const M4_MESSAGE = /^m4:([^:\n]+):(\d+): (.*)$/;

function m4Diagnostic(line: string, failed: boolean): Diagnostic {
  const m = M4_MESSAGE.exec(line);
  const text = (m ? m[3] : line.replace(/^m4: ?/, ""))!.replace(/^(Warning|ERROR): /i, "");
  const isError = failed || /^ERROR/i.test(m?.[3] ?? "");
  // m4's own verdict decides the severity, so the catalog's default for `m4` is overridden here
  const diag = isError ? error("m4", `m4: ${text}`) : warning("m4", `m4: ${text}`);
  if (m) {
    const lineNo = Number(m[2]);
    diag.span = { file: m[1]!, line: lineNo, col: 1, endLine: lineNo, endCol: 1, offset: -1, length: 0 };
  }
  return diag;
}

/** Runs `m4` (or $M4, as Makefile.common's M4 ?= m4) in the tree's directory. */
export function runM4(tree: PolicyTree, m4 = process.env.M4 || "m4"): M4Result {
  const r = spawnSync(m4, [...tree.m4Params, ...tree.sections], {
    cwd: tree.dir,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new TreeError(`${m4} not found: xsm build runs GNU m4 over the tree as Xen's Makefile.common does (Debian: apt-get install m4)`);
    }
    throw new TreeError(`cannot run ${m4}: ${r.error.message}`);
  }
  const failed = r.status !== 0;
  const diagnostics = r.stderr
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => m4Diagnostic(l, failed));
  if (failed && diagnostics.length === 0) {
    diagnostics.push(error("m4", `${m4} exited with status ${r.status ?? r.signal}`));
  }
  return { text: r.stdout, diagnostics };
}
