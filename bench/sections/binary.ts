// Section 6: the binary policy. Writing: lowering a compiled gen-policy large to libsepol's kernel
// policy and writing its bytes (what `xsm compile -o` adds to a compile), beside checkpolicy's
// whole compile of the same file (`checkpolicy -t Xen -c 30 FILE -o /dev/null`, a fresh process per
// run). Reading: Xen's example policy as a binary, from bytes to a decision-ready policy in process
// (readPolicy + kernelToPolicy, then one decision), the work `xsm check xenpolicy.bin` does.
// Both rows first check that the bytes equal checkpolicy's (when installed): timing a writer that
// writes something else would compare different work.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Budget, commandMs, have, measureMs } from "../lib/measure.js";
import { ROOT } from "../lib/ours.js";
import { fmtMs, fmtRatio, type SectionResult, target } from "../lib/report.js";

const GEN = `${ROOT}test/oracle/tools/gen-policy`;
const PYTHON = "/usr/bin/python3";

function genPolicy(size: string, dir: string): string | undefined {
  if (existsSync(PYTHON)) {
    const r = spawnSync(PYTHON, [GEN, "--seed", "1", "--size", size], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status === 0) {
      const file = join(dir, `gen-seed1-${size}.conf`);
      writeFileSync(file, r.stdout);
      return file;
    }
  }
  const committed = `${ROOT}bench/data/gen-seed1-${size}.conf`;
  return existsSync(committed) ? committed : undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export async function binarySection(budget: Budget, quick: boolean): Promise<SectionResult> {
  const { compile } = await import("../../src/policy/index.js");
  const { lowerPolicy } = await import("../../src/binary/lower.js");
  const { writePolicy } = await import("../../src/binary/write.js");
  const { readPolicy } = await import("../../src/binary/read.js");
  const { kernelToPolicy } = await import("../../src/binary/to-policy.js");
  const checkpolicy = have("checkpolicy");
  const dir = mkdtempSync(join(tmpdir(), "xsm-bench-bin-"));
  const rows: string[][] = [];
  const notes: string[] = [];
  const data: Record<string, unknown> = {};
  const reference = (file: string): Uint8Array | undefined => {
    if (!checkpolicy) return undefined;
    const out = join(dir, "ref.bin");
    const r = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", file, "-o", out], { stdio: "ignore" });
    return r.status === 0 ? new Uint8Array(readFileSync(out)) : undefined;
  };

  const size = quick ? "medium" : "large";
  const file = genPolicy(size, dir);
  if (!file) notes.push(`gen-policy ${size}: ${PYTHON} is missing and no committed copy`);
  else {
    const run = compile(readFileSync(file, "utf8"), { file });
    if (!run.ok) throw new Error(`gen-policy ${size} does not compile`);
    const ctx = run.value;
    let bytes: Uint8Array = new Uint8Array(0);
    const ours = measureMs(() => (bytes = writePolicy(lowerPolicy(ctx.ast, ctx.symbols))), Math.min(budget.reps, 3));
    const ref = reference(file);
    const identical = ref ? sameBytes(bytes, ref) : undefined;
    const peer = checkpolicy ? commandMs("checkpolicy", ["-t", "Xen", "-c", "30", file, "-o", "/dev/null"], Math.min(budget.reps, 3)) : undefined;
    const peerMs = peer && "ms" in peer ? peer.ms : undefined;
    const ratio = peerMs !== undefined ? ours.ms / peerMs : undefined;
    rows.push([`write gen-policy ${size}`, fmtMs(ours.ms), fmtMs(peerMs), fmtRatio(ratio), identical === undefined ? "n/a" : identical ? "yes" : "NO", size === "large" ? target("≤ 0.5x cp compile", ratio === undefined ? undefined : ratio <= 0.5) : ""]);
    data[`write ${size}`] = { oursMs: ours.ms, runs: ours.runs, checkpolicyCompileMs: peerMs, ratio, identical, bytes: bytes.length };
  }

  const xen = `${ROOT}examples/xen-flask/policy.conf`;
  if (!existsSync(xen)) notes.push("examples/xen-flask/policy.conf is missing: no read row");
  else {
    const run = compile(readFileSync(xen, "utf8"), { file: xen });
    if (!run.ok) throw new Error("the xen-flask example does not compile");
    const ctx = run.value;
    const bytes = writePolicy(lowerPolicy(ctx.ast, ctx.symbols));
    const ref = reference(xen);
    const identical = ref ? sameBytes(bytes, ref) : undefined;
    let allowed = false;
    const ready = measureMs(() => {
      const { policy } = kernelToPolicy(readPolicy(bytes).policy, "xenpolicy.bin");
      allowed = policy.allows("dom0_t", "xen_t", "xen", "settime") === true;
    }, Math.max(budget.reps * 4, 20), 5);
    rows.push([`read Xen's policy (${bytes.length} B)`, fmtMs(ready.ms), "n/a", "", identical === undefined ? "n/a" : identical ? "yes" : "NO", target("< 5 ms", ready.ms < 5)]);
    data["read xen-flask"] = { oursMs: ready.ms, runs: ready.runs, bytes: bytes.length, identical, sampleDecision: allowed };
  }
  rmSync(dir, { recursive: true, force: true });
  if (!checkpolicy) notes.push("checkpolicy is not installed: its column and the byte check are n/a");
  notes.push(
    "write: lowerPolicy + writePolicy on an already compiled policy, in process, median after one warm-up; checkpolicy: its whole compile, a fresh process per run.",
    "read: bytes -> readPolicy (Xen's policydb.c checks) -> kernelToPolicy (the compiled form) -> one decision, in process, warm, median.",
    "same bytes: ours equal checkpolicy -t Xen -c 30's output for the same file.",
  );
  return { id: "binary", title: "6. Binary policy (write as checkpolicy, read as Xen)", columns: ["case", "ours", "checkpolicy", "ours/cp", "same bytes", "target"], rows, notes, data };
}
