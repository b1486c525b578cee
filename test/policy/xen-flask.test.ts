// The m4-expanded Xen policy of examples/xen-flask against checkpolicy's answers, recorded as
// fixtures by test/fixtures/xen-flask/regenerate.sh: the matrix byte for byte, every decision with
// default and overridden booleans, and diagnostics and reasons that point back into the module
// sources through m4's #line directives (both `#line 1 "modules/x.te"` and the bare `#line N` m4
// emits after a macro expansion).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decisionJson, parseQueries } from "../../src/cli/check.js";
import { PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy, Reason } from "../../src/policy/types.js";
import { explainMismatch, repoRoot } from "../oracle/harness.js";

const tree = join(repoRoot, "examples/xen-flask");
const fixtures = join(repoRoot, "test/fixtures/xen-flask");
const confPath = "examples/xen-flask/policy.conf";
const conf = readFileSync(join(repoRoot, confPath), "utf8");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

/** 1-based line of the first line of a source file of the tree that contains `needle`. */
function sourceLine(file: string, needle: string): number {
  const lines = readFileSync(join(tree, file), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`${file} has no line containing ${JSON.stringify(needle)}`);
  return i + 1;
}

/** The policy text with the one physical line equal to `line` (after trimming) rewritten. */
function editLine(line: string, edit: (l: string) => string): string {
  const lines = conf.split("\n");
  const hits = lines.flatMap((l, i) => (l.trim() === line ? [i] : []));
  if (hits.length !== 1) throw new Error(`expected one line ${JSON.stringify(line)} in ${confPath}, found ${hits.length}`);
  lines[hits[0]!] = edit(lines[hits[0]!]!);
  return lines.join("\n");
}

function compileErrors(text: string): Diagnostic[] {
  try {
    compilePolicy(text, { file: confPath });
  } catch (err) {
    if (err instanceof PolicyError) return err.diagnostics.filter((d) => d.severity === "error");
    throw err;
  }
  throw new Error("the edited policy compiled, but it should not");
}

function decisions(policy: CompiledPolicy): string {
  const queries = parseQueries(JSON.parse(fixture("queries.json")), "queries.json");
  return `[${queries.map((q) => decisionJson(policy.check(q.scontext, q.tcontext, q.tclass, q.perm))).join(",")}]\n`;
}

function expectSame(ours: string, oracle: string, what: string): void {
  if (ours !== oracle) expect.fail(`${what} differs from checkpolicy's: ${explainMismatch(ours, oracle)}`);
}

describe("examples/xen-flask/policy.conf (m4-expanded Xen policy)", () => {
  it("compiles to checkpolicy's matrix, byte for byte", () => {
    const json = compilePolicy(conf, { file: confPath }).matrixJson();
    expectSame(json.endsWith("\n") ? json : `${json}\n`, fixture("matrix.json"), "matrix");
  });

  it("decides every fixture query as oracle-decide does, with default and overridden booleans", () => {
    const policy = compilePolicy(conf, { file: confPath });
    expectSame(decisions(policy), fixture("decisions.json"), "decisions");
    const bools = JSON.parse(fixture("bools.json")) as Record<string, boolean>;
    expectSame(decisions(policy.withBooleans(bools)), fixture("bool-decisions.json"), `decisions with ${JSON.stringify(bools)}`);
  });

  it("has the fixture queries' mix of allowed, denied, constraint-denied and invalid answers", () => {
    const answers = JSON.parse(fixture("decisions.json")) as { allowed: boolean; error?: string }[];
    expect(answers.length).toBeGreaterThanOrEqual(200);
    expect(answers.filter((a) => a.allowed).length).toBeGreaterThan(100);
    expect(answers.filter((a) => !a.allowed && !a.error).length).toBeGreaterThan(50);
    expect(answers.filter((a) => a.error).length).toBeGreaterThan(10);
  });

  it("labels Xen's initial SIDs and PCI devices as policy/initial_sids and device_contexts say", () => {
    const policy = compilePolicy(conf, { file: confPath });
    expect(policy.initialSidContext("device")).toBe("system_u:object_r:device_t");
    expect(policy.initialSidContext("dom0")).toBe("system_u:system_r:dom0_t");
    expect(policy.initialSidContext("domDM")).toBe("system_u:system_r:dm_dom_t");
    expect(policy.pcideviceContext(0xc800)).toBe("system_u:object_r:nic_dev_t"); // 0000:c8:00.0
    expect(policy.pcideviceContext(0x0300)).toBe("system_u:object_r:hba_dev_t"); // 0000:03:00.0
    expect(policy.pcideviceContext(0x0301)).toBeUndefined();
  });

  it("answers the PCI hooks' questions on aliases too (nic_dev_t alias e1000e_dev_t)", () => {
    const policy = compilePolicy(conf, { file: confPath });
    expect(policy.allows("dom0_t", "nic_dev_t", "resource", "unplug")).toBe(true);
    expect(policy.allows("dom0_t", "e1000e_dev_t", "resource", "unplug")).toBe(true);
    expect(policy.allows("domU_t", "e1000e_dev_t", "resource", "use_noiommu")).toBe(true);
    expect(policy.allows("isolated_domU_t", "hba_dev_t", "resource", "use_noiommu")).toBe(false);
  });
});

describe("locations through m4's #line directives", () => {
  it("puts an undeclared type in a module rule at its line in modules/dom0.te", () => {
    const text = editLine("allow dom0_t xen_t:mmu memorymap;", (l) => l.replace("xen_t", "xen_tt"));
    const errors = compileErrors(text);
    const hit = errors.find((d) => d.message.includes("xen_tt"));
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit!.span?.file).toBe("modules/dom0.te");
    expect(hit!.span?.line).toBe(sourceLine("modules/dom0.te", "allow dom0_t xen_t:mmu memorymap;"));
  });

  it("puts an error inside a macro expansion at the line that calls the macro (bare #line N)", () => {
    const expanded = "allow domU_t nic_dev_t:resource { use_iommu use_iommu_nointremap use_noiommu };";
    const text = editLine(expanded, (l) => l.replace("nic_dev_t", "nic_dev_tt"));
    const errors = compileErrors(text);
    const hit = errors.find((d) => d.message.includes("nic_dev_tt"));
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit!.span?.file).toBe("modules/nic_dev.te");
    expect(hit!.span?.line).toBe(sourceLine("modules/nic_dev.te", "use_device_noiommu(domU_t, nic_dev_t)"));
  });

  it("names the neverallow in modules/xen.te and the violating rule in modules/dom0.te", () => {
    const text = editLine("allow dom0_t xen_t:mmu memorymap;", () => "allow domU_t security_t:security load_policy;");
    const errors = compileErrors(text);
    const hit = errors.find((d) => d.code === "neverallow");
    expect(hit, JSON.stringify(errors)).toBeDefined();
    expect(hit!.span?.file).toBe("modules/xen.te");
    expect(hit!.span?.line).toBe(sourceLine("modules/xen.te", "neverallow ~dom0_t security_t:security"));
    const note = hit!.notes?.find((n) => n.span?.file === "modules/dom0.te");
    expect(note, JSON.stringify(hit!.notes)).toBeDefined();
    expect(note!.span?.line).toBe(sourceLine("modules/dom0.te", "allow dom0_t xen_t:mmu memorymap;"));
  });

  it("explains a grant by the module line that wrote it and a denial by the constraint in vm_role.cons", () => {
    const policy = compilePolicy(conf, { file: confPath });

    const plug = policy.explain("system_u:system_r:dom0_t", "system_u:object_r:nic_dev_t", "resource", "plug");
    expect(plug.allowed).toBe(true);
    const granted = plug.reasons.filter((r) => r.kind === "granted-by").map(spanOf);
    expect(granted.map((s) => `${s?.file}:${s?.line}`)).toContain(
      `modules/nic_dev.te:${sourceLine("modules/nic_dev.te", "admin_device(dom0_t, nic_dev_t)")}`,
    );

    const map = policy.explain("user_1:vm_r:domU_t", "user_2:vm_r:domU_t", "grant", "map_read");
    expect(map.allowed).toBe(false);
    const failed = map.reasons.find((r) => r.kind === "constraint-failed");
    expect(failed, JSON.stringify(map.reasons)).toBeDefined();
    expect(spanOf(failed!)?.file).toBe("modules/vm_role.cons");
    expect(spanOf(failed!)?.line).toBe(sourceLine("modules/vm_role.cons", "constrain grant { map_read map_write copy }"));
  });

  it("says a rule is off because of its boolean's branch (prot_doms_locked)", () => {
    const policy = compilePolicy(conf, { file: confPath }).withBooleans({ prot_doms_locked: true });
    const d = policy.explain("system_u:system_r:dom0_t", "system_u:system_r:prot_domU_t", "domain", "create");
    expect(d.allowed).toBe(false);
    const off = d.reasons.find((r) => r.kind === "disabled-by-bool");
    expect(off, JSON.stringify(d.reasons)).toBeDefined();
    expect(spanOf(off!)?.file).toBe("modules/prot_domU.te");
  });

  it("quotes a rule m4 spread over several lines as one line, without its #line directives", () => {
    const policy = compilePolicy(conf, { file: confPath });
    const d = policy.explain("system_u:system_r:dom0_t", "system_u:object_r:nic_dev_t", "resource", "remove_ioport");
    const grant = d.reasons.find((r) => r.kind === "granted-by");
    expect(grant && "rule" in grant ? grant.rule.text : "").toBe(
      "allow dom0_t nic_dev_t:resource { setup stat_device add_device add_irq add_iomem add_ioport remove_device remove_irq remove_iomem remove_ioport plug unplug };",
    );
    expect(spanOf(grant!)).toMatchObject({ file: "modules/nic_dev.te", line: 11 });
  });
});

function spanOf(r: Reason) {
  return "rule" in r ? r.rule.span : undefined;
}
