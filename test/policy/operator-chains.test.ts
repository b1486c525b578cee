// Operator chains have no bound in checkpolicy (bison reduces `a || b || ...` as it reads), so none
// in xsm either: a chain is a left-deep tree as deep as it is long, and every stage that walks it
// (conditional programs, constraint resolution, decisions, the binary writer and reader, lint, the
// SVP desugaring's printer) folds it with an explicit stack instead of recursing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { foldTree, type CondExpr } from "../../src/policy/ast.js";
import { compile } from "../../src/policy/index.js";
import { lintText } from "../../src/lint/index.js";

const small = readFileSync(join(import.meta.dirname, "../fixtures/cli/small.conf"), "utf8");
const N = 30_000; // past what a recursive walk of the call stack bears (about 10,000 frames)

/** small.conf with its conditional and its constraint made N-operator chains (one per line, as
 *  checkpolicy's YYLMAX wants). */
function chained(): string {
  const cond = Array.from({ length: N }, () => "guests_may_plug").join(" ||\n");
  const cons = ["r1 == system_r", ...Array.from({ length: N }, () => "t1 == dom0_t")].join(" or\n");
  return small.replace("if (guests_may_plug)", `if (${cond})`).replace("( r1 == system_r or t1 == dom0_t )", `( ${cons} )`);
}

describe("operator chains of 30,000", () => {
  it("compile, decide, lint, and round-trip through the binary policy", () => {
    const text = chained();
    const r = compile(text, { file: "chain.conf" });
    expect(r.ok ? r.value.diagnostics.filter((d) => d.severity === "error") : r.error).toEqual([]);
    if (!r.ok) return;
    const policy = r.value.policy;
    // the conditional is the same boolean; the constraint is r1 == system_r or t1 == dom0_t
    expect(policy.check("system_u:system_r:dom0_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(true);
    expect(policy.check("system_u:vm_r:guest_a_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(false);
    const on = policy.withBooleans({ guests_may_plug: true });
    expect(on.check("system_u:system_r:guest_a_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(true);
    expect(on.check("system_u:vm_r:guest_a_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(false);

    const { bytes } = compileBinary(text, { file: "chain.conf" });
    const back = loadBinary(bytes, "chain.bin").policy;
    expect(back.check("system_u:system_r:dom0_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(true);
    expect(back.check("system_u:vm_r:guest_a_t", "system_u:object_r:nic_t", "resource", "plug").allowed).toBe(false);

    expect(() => lintText(text, "chain.conf")).not.toThrow();
  }, 120_000);

  it("foldTree visits in post-order, as a recursive walk would", () => {
    const r = compile(small.replace("if (guests_may_plug)", "if (!(guests_may_plug && !guests_may_plug) || guests_may_plug)"), { file: "t.conf" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const stmt = r.value.ast.statements.find((s) => s.kind === "if");
    const order = foldTree<CondExpr, string>((stmt as { expr: CondExpr }).expr, (e, v) => (e.op === "bool" ? "b" : `${v.join(" ")} ${e.op}`));
    expect(order).toBe("b b not and not b or");
  });
});
