// A denial's proposal checked as checkpolicy checks the policy it would make (src/policy/check.ts
// addedRuleProblems, CompiledPolicy.proposal): the neverallow each rule breaks, by its line, and the
// typebounds it exceeds, equal to what checkpolicy printed when the rule was added to the policy
// (test/fixtures/refused/checkpolicy.json, sh scripts/gen-refused-fixtures.sh); and on random
// denials, refused exactly when our own compile of the policy with the rule added fails, with the
// same errors.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compile, compilePolicy } from "../../src/policy/index.js";
import type { CompiledPolicy, Proposal } from "../../src/policy/types.js";

interface Run {
  policy: string;
  rule: string;
  status: number;
  stderr: string;
}

const RUNS = JSON.parse(readFileSync("test/fixtures/refused/checkpolicy.json", "utf8")) as Run[];
const ctx = (type: string) => `system_u:system_r:${type}`;
const policies = new Map<string, { text: string; policy: CompiledPolicy }>();
function load(path: string) {
  let p = policies.get(path);
  if (!p) {
    const text = readFileSync(path, "utf8");
    policies.set(path, (p = { text, policy: compilePolicy(text, { file: path.split("/").pop()! }) }));
  }
  return p;
}

/** `allow S T:C P;` or `allow S T:C { P Q };` as the question a denial asks. */
function asked(rule: string): { s: string; t: string; c: string; perms: string[] } {
  const m = /^allow (\S+) (\S+):(\S+) (?:\{ ([^}]*) \}|(\S+));$/.exec(rule)!;
  return { s: m[1]!, t: m[2] === "self" ? m[1]! : m[2]!, c: m[3]!, perms: (m[4] ?? m[5]!).trim().split(/\s+/) };
}

/** checkpolicy's words as ours: `neverallow FILE:LINE violated by allow ...` per report_failure,
 *  `bounds CHILD PARENT` per bounds_report header. */
function checkpolicySays(stderr: string): string[] {
  const out: string[] = [];
  for (const line of stderr.split("\n")) {
    const na = /^libsepol\.report_failure: neverallow on line (\d+) of (\S+) \(or line \d+ of \S+\) violated by (allow .*);$/.exec(line);
    if (na) out.push(`neverallow ${na[2]}:${na[1]} violated by ${na[3]}`);
    const b = /^libsepol\.bounds_report: Child type (\S+) exceeds bounds of parent (\S+) in the following rules:$/.exec(line);
    if (b) out.push(`bounds ${b[1]} ${b[2]}`);
  }
  return out;
}

function weSay(p: Proposal): string[] {
  return (p.refused ?? []).map((r) => {
    if (r.code === "bounds") {
      const m = /^child type (\S+) exceeds bounds of parent (\S+) in/.exec(r.message)!;
      return `bounds ${m[1]} ${m[2]}`;
    }
    return `neverallow ${r.rule.span.file}:${r.rule.span.line} ${r.message.replace(/^neverallow /, "")}`;
  });
}

describe("a proposal checkpolicy would refuse", () => {
  for (const run of RUNS) {
    it(`${run.policy}: ${run.rule} (checkpolicy exit ${run.status})`, () => {
      const q = asked(run.rule);
      const p = load(run.policy).policy.proposal(ctx(q.s), ctx(q.t), q.c, q.perms)!;
      expect(p.allow).toBe(run.rule.replace(/ \{ (\S+) \};$/, " $1;"));
      expect(weSay(p)).toEqual(checkpolicySays(run.stderr));
      expect(p.refused === undefined).toBe(run.status === 0);
    });
  }

  it("names the neverallow as written, where the policy has it", () => {
    const p = load("examples/xen-flask/policy.conf").policy.proposal(ctx("domU_t"), ctx("xen_t"), "version", ["xen_commandline"])!;
    expect(p.refused!.map((r) => [r.code, r.rule.text, r.rule.span.file, r.rule.span.line])).toEqual([["neverallow", "neverallow { domain_type -dom0_t } xen_t:version xen_commandline;", "modules/xen.te", 71]]);
  });

  // the rule added after the last neverallow, as gen-refused-fixtures.sh adds it for checkpolicy
  const withRule = (text: string, rule: string) => {
    const lines = text.split("\n");
    let last = -1;
    lines.forEach((l, i) => (l.startsWith("neverallow") ? (last = i) : undefined));
    lines.splice(last + 1, 0, rule);
    return lines.join("\n");
  };

  for (const path of ["test/fixtures/refused/refused.conf", "examples/xen-flask/policy.conf"]) {
    it(`${path}: refused exactly when the policy with the rule added does not compile, for the same reasons`, () => {
      const { text, policy } = load(path);
      const types = ["xen_t", "dom0_t", "guest_t", "guest_t.sub", "domU_t", "security_t", "isolated_domU_t", "domio_t"].filter((t) => policy.typeId?.(t) !== -1 && policy.explainContext(ctx(t)) === undefined);
      const classes = Array.from({ length: policy.stats.classes }, (_, i) => policy.className(i));
      const arb = fc.record({ s: fc.constantFrom(...types), t: fc.constantFrom(...types), c: fc.constantFrom(...classes), pick: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) });
      fc.assert(
        fc.property(arb, ({ s, t, c, pick }) => {
          const all = policy.permNames(policy.classId(c), 0xffffffff);
          const perms = [...new Set(pick.map((i) => all[i % all.length]!))];
          const p = policy.proposal(ctx(s), ctx(t), c, perms)!;
          const run = compile(withRule(text, p.allow), { file: path.split("/").pop()! });
          const found = run.ok ? [] : run.error.filter((d) => d.severity === "error");
          // (our compile goes on to the neverallows after a bounds failure; checkpolicy stops)
          const errors = (found.some((d) => d.code === "bounds") ? found.filter((d) => d.code === "bounds") : found).map((d) => `${d.code} ${d.span?.line} ${d.message}`);
          expect(errors).toEqual((p.refused ?? []).map((r) => `${r.code} ${r.rule.span.line} ${r.message}`));
        }),
        { numRuns: path.includes("xen-flask") ? 40 : 300 },
      );
    });
  }
});
