// Runs GNU m4 over a policy tree's sections, as Makefile.common's `$(M4) $(M4PARAM)
// $(POLICY_SECTIONS) > policy.conf` does. m4 is a program the user installs (Debian: m4); we do not
// reimplement it, so the text is m4's own.
import { spawnSync } from "node:child_process";
import { error, warning, type Diagnostic } from "../diagnostics/diagnostic.js";
import { DEFAULT_LIMITS } from "../policy/parse.js";
import { TreeError, type PolicyTree } from "./tree.js";

/** Bounds on one m4 run. A macro that expands to itself (`define(`r', `r r')r`) never ends: m4
 *  grows by ~100 MB a second until the machine runs out, or loops in constant memory. */
export interface M4Limits {
  /** Wall-clock milliseconds before m4 is stopped (default 60 s; Xen's tree takes ~50 ms). */
  timeoutMs: number;
  /** m4's address space in KiB, set with the shell's `ulimit -v` (default 1 GiB; m4 then says
   *  "memory exhausted"). Not applied on Windows (no /bin/sh). */
  memoryKiB: number;
  /** Bytes of output (default: the policy text limit, DEFAULT_LIMITS.bytes). */
  outputBytes: number;
}

export const M4_LIMITS: M4Limits = { timeoutMs: 60_000, memoryKiB: 1024 * 1024, outputBytes: DEFAULT_LIMITS.bytes };

const RUNAWAY = "a macro that expands to itself without end?";

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
  const hint = /memory exhausted/i.test(text) ? ` (${RUNAWAY})` : "";
  const diag = isError ? error("m4", `m4: ${text}${hint}`) : warning("m4", `m4: ${text}${hint}`);
  if (m) {
    const lineNo = Number(m[2]);
    diag.span = { file: m[1]!, line: lineNo, col: 1, endLine: lineNo, endCol: 1, offset: -1, length: 0 };
  }
  return diag;
}

/** Runs `m4` (or $M4, as Makefile.common's M4 ?= m4) in the tree's directory, within `limits`. */
export function runM4(tree: PolicyTree, m4 = process.env.M4 || "m4", limits: Partial<M4Limits> = {}): M4Result {
  const { timeoutMs, memoryKiB, outputBytes } = { ...M4_LIMITS, ...limits };
  const args = [...tree.m4Params, ...tree.sections];
  const viaShell = process.platform !== "win32";
  // (the shell sets the limit and execs m4: "$0" is m4, "$@" its arguments)
  const [command, argv] = viaShell ? ["/bin/sh", ["-c", `ulimit -v ${memoryKiB} 2>/dev/null; exec "$0" "$@"`, m4, ...args]] : [m4, args];
  const r = spawnSync(command, argv, {
    cwd: tree.dir,
    encoding: "utf8",
    maxBuffer: outputBytes,
    timeout: timeoutMs,
    killSignal: "SIGKILL",
  });
  const notFound = `${m4} not found: xsm build runs GNU m4 over the tree as Xen's Makefile.common does (Debian: apt-get install m4)`;
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw viaShell ? new TreeError(`cannot run /bin/sh (which runs ${m4} within its memory limit)`) : new TreeError(notFound, true);
    if (code === "ETIMEDOUT") throw new TreeError(`${m4} ran for ${timeoutMs / 1000} s without finishing and was stopped: ${RUNAWAY}`);
    if (code === "ENOBUFS") throw new TreeError(`${m4}'s output passed ${outputBytes >= 1 << 20 ? `${(outputBytes / (1 << 20)).toFixed(0)} MB` : `${outputBytes} bytes`}, the limit for a policy, and ${m4} was stopped: ${RUNAWAY}`);
    throw new TreeError(`cannot run ${m4}: ${r.error.message}`);
  }
  // the shell's "exec: m4: not found" (126: found but not executable)
  if (viaShell && r.status === 127 && /not found/.test(r.stderr)) throw new TreeError(notFound, true);
  if (viaShell && r.status === 126 && /denied/i.test(r.stderr)) throw new TreeError(`cannot run ${m4}: permission denied`);
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
