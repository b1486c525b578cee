// What expanding Xen's real tools/flask/policy showed, in a small tree of our own: m4 -s output
// where (a) user statements are diverted while the modules are read and undiverted later, so
// their #line points back into a module after the users file has started, (b) one macro call
// writes the same rule twice under one #line, (c) a singleton macro redefines NAME_self to NAME,
// and (d) conditional blocks hold macro-expanded rules. The tree is expanded with m4 the way
// Xen's Makefile.common does (section order, -D self_contained_policy -s) and compared live with
// checkpolicy (oracle-matrix, oracle-decide).
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decisionJson, describeDecision, type Query } from "../../src/cli/check.js";
import { noteText, PolicyError, type Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { Locator } from "../../src/build/locate.js";
import { sectionMacros } from "../../src/build/macros.js";
import { compilePolicy } from "../../src/policy/index.js";
import { runCheckpolicy } from "../policy/checkpolicy-runs.js";
import { assertOracleAvailable, boolArgs, explainMismatch, runTool } from "./harness.js";

/** The tree, file by file, in the order Xen's Makefile.common hands sections to m4. */
const SECTIONS: Array<[string, string]> = [
  ["hv/classes", "class vm\nclass chan\nclass mem\nclass hyp\n"],
  ["hv/sids", "sid hyp\nsid boot\n"],
  [
    "hv/vectors",
    [
      "class vm { make stop look become }",
      "class chan { open talk hear }",
      "class mem { peek poke share }",
      "class hyp { reboot log }",
      "",
    ].join("\n"),
  ],
  [
    "support/macros.spt",
    [
      "# add_user(name, roles): the user statement is held back and emitted where users belong",
      "define(`add_user',`divert(1)",
      "user $1 roles { $2 };",
      "divert",
      "')",
      "define(`with_ctx',`$1')",
      "define(`flag',`bool $1 ifdef(`$1_override',$1_override,$2);')",
      "",
    ].join("\n"),
  ],
  [
    "mods/base.if",
    [
      "# guest(name): a guest type with a _me type for acting on itself and a _ch channel type",
      "define(`guest', `",
      "\ttype $1, vm_type;",
      "\ttype $1_me, vm_type;",
      "\ttype_transition $1 $1:vm $1_me;",
      "\ttype $1_ch, chan_type;",
      "\ttype_transition $1 vm_type:chan $1_ch;",
      "\tallow $1 $1_me:mem { peek poke };",
      "')",
      "# lone(name): a singleton; it acts on itself under its own name",
      "define(`lone', `",
      "\ttype $1, vm_type;",
      "\tdefine(`$1_me', `$1')",
      "\ttype $1_ch, chan_type;",
      "\tallow $1 $1_me:mem { peek poke };",
      "')",
      "define(`link', `",
      "\tallow $1 $3:chan { open talk };",
      "\tallow $3 $2:chan hear;",
      "')",
      "# pair(a, b): both directions; pair(x, x) writes each rule twice",
      "define(`pair', `",
      "\tlink($1, $2, $1_ch)",
      "\tlink($2, $1, $2_ch)",
      "\tallow $1 $2:mem share;",
      "\tallow $2 $1:mem share;",
      "')",
      "",
    ].join("\n"),
  ],
  [
    "mods/base.te",
    [
      "attribute vm_type;",
      "attribute chan_type;",
      "type hyp_t;",
      "type boot_t;",
      "lone(ctl_t)",
      "neverallow ~chan_type *:chan hear;",
      "add_user(sys_u, sys_r)",
      "role sys_r;",
      "role sys_r types { hyp_t boot_t ctl_t };",
      "",
    ].join("\n"),
  ],
  [
    "mods/guests.te",
    [
      "guest(g_t)",
      "guest(h_t)",
      "pair(ctl_t, g_t)",
      "pair(g_t, g_t)",
      "flag(locked, false)",
      "if (!locked) {",
      "\tpair(h_t, g_t)",
      "\tallow ctl_t h_t:vm { make stop };",
      "} else {",
      "\tdontaudit ctl_t h_t:vm make;",
      "}",
      "allow ctl_t hyp_t:hyp log;",
      "auditallow ctl_t hyp_t:hyp log;",
      "role sys_r types vm_type;",
      "role guest_r;",
      "role guest_r types { vm_type -ctl_t };",
      "add_user(ann_u, guest_r)",
      "add_user(bob_u, guest_r)",
      "",
    ].join("\n"),
  ],
  ["policy/users", "# users are written here by the modules' add_user\nundivert(1)\n"],
  ["mods/guests.cons", "constrain mem share ( u1 == u2 or u1 == sys_u or u2 == sys_u );\n"],
  ["policy/sids", "sid hyp with_ctx(sys_u:sys_r:hyp_t)\nsid boot with_ctx(sys_u:sys_r:boot_t)\n"],
];

let dir: string;
let conf: string;

/** Writes the tree (with `edit` applied to one file) and runs m4 over it as Xen's build does. */
function expand(edit?: { file: string; text: string }): string {
  const root = mkdtempSync(join(tmpdir(), "xsm-xen-real-"));
  for (const [file, text] of SECTIONS) {
    mkdirSync(join(root, file, ".."), { recursive: true });
    writeFileSync(join(root, file), edit?.file === file ? edit.text : text);
  }
  const args = ["-D", "self_contained_policy", "-s", "-D", "mls_num_sens=16", "-D", "mls_num_cats=256"];
  return execFileSync("m4", [...args, ...SECTIONS.map(([f]) => f)], { cwd: root, encoding: "utf8" });
}

function errorsOf(text: string): Diagnostic[] {
  try {
    compilePolicy(text, { file: "policy.conf" });
  } catch (err) {
    if (err instanceof PolicyError) return err.diagnostics.filter((d) => d.severity === "error");
    throw err;
  }
  throw new Error("the policy compiled, but it should not");
}

const QUERIES: Query[] = [];
function q(s: string, t: string, tclass: string, perm: string): void {
  QUERIES.push({ scontext: s, tcontext: t, tclass, perm });
}
for (const [s, t] of [
  ["sys_u:sys_r:ctl_t", "sys_u:sys_r:g_t"],
  ["sys_u:sys_r:ctl_t", "sys_u:sys_r:ctl_t"],
  ["sys_u:sys_r:ctl_t", "sys_u:sys_r:h_t"],
  ["ann_u:guest_r:g_t", "ann_u:guest_r:g_t"],
  ["ann_u:guest_r:g_t", "bob_u:guest_r:g_t"],
  ["ann_u:guest_r:h_t", "sys_u:sys_r:g_t"],
  ["bob_u:guest_r:g_t", "ann_u:guest_r:h_t"],
  ["sys_u:object_r:g_t_ch", "ann_u:guest_r:g_t"],
  ["sys_u:object_r:h_t_ch", "bob_u:guest_r:g_t"],
  ["ann_u:guest_r:g_t", "sys_u:object_r:g_t_ch"],
  ["sys_u:sys_r:ctl_t", "sys_u:sys_r:hyp_t"],
  ["ann_u:guest_r:ctl_t", "sys_u:sys_r:g_t"],
  ["nobody_u:sys_r:g_t", "sys_u:sys_r:g_t"],
]) {
  for (const [c, perms] of [
    ["vm", ["make", "stop", "look"]],
    ["chan", ["open", "talk", "hear"]],
    ["mem", ["peek", "poke", "share"]],
    ["hyp", ["log", "reboot"]],
  ] as const) {
    for (const p of perms) q(s!, t!, c, p);
  }
}
q("sys_u:sys_r:ctl_t", "sys_u:sys_r:g_t", "nosuch", "make");
q("sys_u:sys_r:ctl_t", "sys_u:sys_r:g_t", "vm", "nosuch");

describe("a Xen-style tree expanded by m4 with diverted users", () => {
  beforeAll(async () => {
    await assertOracleAvailable();
    conf = expand();
    dir = mkdtempSync(join(tmpdir(), "xsm-xen-real-conf-"));
    writeFileSync(join(dir, "policy.conf"), conf);
    writeFileSync(join(dir, "queries.json"), JSON.stringify(QUERIES));
  });

  it("m4 really placed the user statements after the roles, under a #line into a module", () => {
    const users = conf.indexOf("user sys_u roles");
    expect(users).toBeGreaterThan(conf.lastIndexOf("role guest_r types"));
    expect(conf.slice(0, users)).toMatch(/#line 7 "mods\/base\.te"\s*(#line 7\s*)?$/);
  });

  it("gives checkpolicy's matrix byte for byte", async () => {
    const oracle = await runTool("oracle-matrix", ["policy.conf"], dir);
    expect(oracle.code, oracle.stdout + oracle.stderr).toBe(0);
    const ours = compilePolicy(conf, { file: "policy.conf" }).matrixJson();
    const line = ours.endsWith("\n") ? ours : `${ours}\n`;
    expect(line === oracle.stdout, explainMismatch(line, oracle.stdout)).toBe(true);
  });

  for (const bools of [{}, { locked: true }] as Array<Record<string, boolean>>) {
    it(`gives checkpolicy's decisions with booleans ${JSON.stringify(bools)}`, async () => {
      const oracle = await runTool("oracle-decide", ["policy.conf", "queries.json", ...boolArgs(bools)], dir);
      expect(oracle.code, oracle.stderr).toBe(0);
      const policy = compilePolicy(conf, { file: "policy.conf" }).withBooleans(bools);
      const ours = QUERIES.map((x) => decisionJson(policy.check(x.scontext, x.tcontext, x.tclass, x.perm)));
      const theirs = (JSON.parse(oracle.stdout) as unknown[]).map((a) => JSON.stringify(a));
      expect(ours).toEqual(theirs);
    });
  }

  // checkpolicy 3.4 reports this one as policy/users:18: its scanner takes a file name only from
  // `#line 1 "file"` and keeps the last one (policy/users) through m4's `#line 18 "mods/..."`. The
  // compiler reads m4's sync lines as m4 means them (src/policy/lines.ts, as checkpolicy 3.10 does),
  // so it names the module line that wrote the statement, and a tree's diagnostics
  // (src/build/locate.ts) go on from there into the macro's body.
  it("a diverted user statement's error is at the module line that wrote it, where checkpolicy 3.4 names the file before", () => {
    const guests = SECTIONS.find(([f]) => f === "mods/guests.te")![1];
    const broken = guests.replace("add_user(bob_u, guest_r)", "add_user(bob_u, nosuch_r)");
    const text = expand({ file: "mods/guests.te", text: broken });
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/nosuch_r/);
    const brokenDir = mkdtempSync(join(tmpdir(), "xsm-xen-real-broken-"));
    writeFileSync(join(brokenDir, "policy.conf"), text);
    const theirs = /^(.*?):(\d+):ERROR/m.exec(runCheckpolicy(brokenDir, "policy.conf").stderr);
    expect(`${theirs?.[1]}:${theirs?.[2]}`).toBe("policy/users:18");
    expect(`${errors[0]!.span?.file}:${errors[0]!.span?.line}`).toBe("mods/guests.te:18");

    const sources = (file: string) => (file === "mods/guests.te" ? broken : SECTIONS.find(([f]) => f === file)?.[1]);
    const locator = new Locator(text, sources, sectionMacros(SECTIONS.map(([f]) => f), sources));
    const located = locator.diagnostic(errors[0]!);
    // (add_user's body wrote it: the error is on that line, the call its note)
    expect(`${located.span?.file}:${located.span?.line}`).toBe("support/macros.spt:3");
    expect(located.notes?.map((n) => `${noteText(n)} (${n.span?.file}:${n.span?.line})`)).toEqual(["in expansion of `add_user` at mods/guests.te:18 (mods/guests.te:18)"]);
  });

  it("reasons name the module line, and a rule written twice by one macro call is printed once", () => {
    const policy = compilePolicy(conf, { file: "policy.conf" });
    const query: Query = { scontext: "ann_u:guest_r:g_t", tcontext: "ann_u:guest_r:g_t", tclass: "mem", perm: "share" };
    const d = policy.explain(query.scontext, query.tcontext, query.tclass, query.perm);
    expect(d.allowed).toBe(true);
    const granted = d.reasons.filter((r) => r.kind === "granted-by");
    expect(granted.map((r) => (r.kind === "granted-by" ? `${r.rule.span.file}:${r.rule.span.line}` : ""))).toEqual([
      "mods/guests.te:4",
      "mods/guests.te:4",
    ]);
    const text = describeDecision(query, d);
    expect(text).toContain("granted by mods/guests.te:4: allow g_t g_t:mem share; (2 identical rules)\n");
    expect(text.match(/granted by/g)).toHaveLength(1);
  });

  it("a denial by the constraint names the .cons line", () => {
    const policy = compilePolicy(conf, { file: "policy.conf" });
    const d = policy.explain("ann_u:guest_r:g_t", "bob_u:guest_r:g_t", "mem", "share");
    expect(d.allowed).toBe(false);
    const failed = d.reasons.find((r) => r.kind === "constraint-failed");
    expect(failed && failed.kind === "constraint-failed" ? `${failed.rule.span.file}:${failed.rule.span.line}` : "").toBe(
      "mods/guests.cons:1",
    );
  });
});
