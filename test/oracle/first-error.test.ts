// Live: checkpolicy's verdict, line and message on every file of test/fixtures/first-error are still
// the ones recorded in checkpolicy.json (which test/policy/first-error.test.ts holds xsm to); and on
// fresh mutants of Xen's example policy (a statement moved, dropped or copied, so checkpolicy's
// section order and first pass decide where it stops), xsm's first error is in the statement
// checkpolicy's names.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../src/policy/index.js";
import { dir, recorded, sameStatement, type FirstError } from "../policy/first-error.js";
import { Rng } from "../fuzz/mutate.js";

const scratch = mkdtempSync(join(tmpdir(), "xsm-first-error-"));

/** checkpolicy's verdict on a file, the physical line its error names and its message. */
function checkpolicy(file: string, mls: boolean): Omit<FirstError, "file" | "mls"> {
  const r = spawnSync("checkpolicy", [...(mls ? ["-M"] : []), "-t", "Xen", "-c", "30", "-o", "/dev/null", file], { encoding: "latin1", timeout: 120_000 });
  if (r.error) throw new Error(`checkpolicy does not run (apt-get install checkpolicy): ${r.error.message}`);
  const err = `${r.stderr}${r.stdout}`;
  const at = /ERROR '(.*)' at token .* on line (\d+):/.exec(err);
  const other = /^(?:libsepol\.\w+: |Error:\s+)(.*)$/m.exec(err);
  return {
    verdict: r.status === 0 ? "accept" : "reject",
    line: at ? Number(at[2]) : null,
    message: at ? at[1]! : other ? other[1]! : null,
  };
}

describe("checkpolicy's first errors on the first-error corpus", () => {
  it(`are still the recorded ones (${recorded.length} runs)`, () => {
    const changed = recorded.filter((r) => JSON.stringify({ ...r, ...checkpolicy(join(dir, r.file), r.mls) }) !== JSON.stringify(r));
    expect(changed).toEqual([]);
  });
});

/** Statements of a policy.conf: runs of lines whose braces and parentheses balance. */
function statements(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let depth = 0;
  for (const line of text.split("\n")) {
    cur.push(line);
    for (const c of line.replace(/#.*/, "")) depth += c === "{" || c === "(" ? 1 : c === "}" || c === ")" ? -1 : 0;
    if (depth <= 0) {
      out.push(cur.join("\n"));
      cur = [];
      depth = 0;
    }
  }
  if (cur.length > 0) out.push(cur.join("\n"));
  return out;
}

describe("fresh statement mutants of Xen's example policy", () => {
  it("stop where checkpolicy stops (60 mutants)", () => {
    const base = statements(readFileSync("examples/xen-flask/policy.conf", "utf8"));
    const rng = new Rng(20261203);
    const differ: string[] = [];
    let rejected = 0;
    for (let i = 0; i < 60; i++) {
      const st = [...base];
      for (let n = 0; n < 3; n++) {
        const [s] = st.splice(rng.int(st.length), 1);
        const op = rng.int(3);
        if (op === 0) st.splice(rng.int(st.length + 1), 0, s!); // moved
        if (op === 2) st.splice(rng.int(st.length + 1), 0, s!, s!); // moved and copied
      }
      const text = st.join("\n");
      const file = join(scratch, `m${i}.conf`);
      writeFileSync(file, text);
      const cp = checkpolicy(file, false);
      const run = compile(text, { file });
      const ours = run.ok ? undefined : run.error.find((d) => d.severity === "error");
      if ((ours === undefined) !== (cp.verdict === "accept")) differ.push(`m${i}: checkpolicy ${cp.verdict}s, xsm ${run.ok ? "accepts" : `rejects: ${ours?.message}`}`);
      else if (ours && cp.line !== null && !sameStatement(text, ours.span?.offset ?? -1, cp.line)) {
        differ.push(`m${i}: checkpolicy stops at line ${cp.line} (${cp.message}), xsm at ${ours.span?.line}: ${ours.message}`);
      }
      if (cp.verdict === "reject") rejected++;
    }
    expect(differ).toEqual([]);
    expect(rejected).toBeGreaterThan(10);
  });
});
