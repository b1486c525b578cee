// Several denials of one source, target and class get one proposal, as audit2allow writes one rule
// for them (its AccessVector merges their permissions): xsm check with several --perm, xsm why's
// log and xsm test's failing test propose the lines audit2allow -p wrote for a log of the same
// denials (test/fixtures/analysis/combine, sh scripts/gen-combine-fixtures.sh), each checked as
// checkpolicy checks it; xsm allow, whose text is audit2allow's, says a refused one on stderr and
// in --json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const DIR = "test/fixtures/analysis/combine";
const XF = "examples/xen-flask/policy.conf";
const LOG = `${DIR}/combine.log`;
const AUDIT2ALLOW = readFileSync(`${DIR}/combine.audit2allow`, "utf8");
const rules = AUDIT2ALLOW.split("\n").filter((l) => l.startsWith("allow "));
const domU = "system_u:system_r:domU_t";
const q = (t: string, cls: string, perms: string) => ["--scontext", domU, "--tcontext", t, "--class", cls, "--perm", perms];

describe("one proposal for the permissions of one source, target and class", () => {
  it("audit2allow wrote one rule for the log's three grant lines and one for its two security lines", () => {
    expect(rules).toEqual([
      "allow domU_t isolated_domU_t:grant { copy map_read map_write unmap };",
      "allow domU_t security_t:security { load_policy setenforce };",
      "allow domU_t xen_t:xen kexec;",
    ]);
  });

  it("xsm allow writes audit2allow's text, and says on stderr which rule checkpolicy would refuse", async () => {
    const r = await xsm("allow", XF, LOG);
    expect(r.stdout).toBe(AUDIT2ALLOW);
    expect(r.stderr).toContain(`xsm: audit2allow's rule ${rules[1]} is no fix: checkpolicy refuses the policy with it\nxsm:   modules/xen.te:68: neverallow ~dom0_t security_t:security { load_policy setenforce setbool }; (neverallow violated by allow domU_t security_t:security { load_policy setenforce })\n`);
    const json = JSON.parse((await xsm("allow", XF, LOG, "--json")).stdout) as { perms: string[]; refused?: { file: string; line: number }[] }[];
    expect(json.map((x) => x.refused?.map((n) => `${n.file}:${n.line}`))).toEqual([undefined, ["modules/xen.te:68"], undefined]);
  });

  it("xsm check with several --perm proposes audit2allow's one rule after them", async () => {
    const r = await xsm("check", XF, ...q("system_u:system_r:isolated_domU_t", "grant", "map_read,map_write,copy,unmap"));
    expect(r.stdout).toContain(`  map_read, map_write, copy, unmap together (one rule for this source, target and class, as audit2allow writes it):\n    audit2allow proposes: ${rules[0]}\n`);
    // each permission's own is left out
    expect(r.stdout.match(/audit2allow proposes/g)).toHaveLength(1);
    const json = JSON.parse((await xsm("check", XF, ...q("system_u:object_r:security_t", "security", "load_policy,setenforce"), "--json")).stdout) as { proposal: { perms: string[]; allow: string; refused: { line: number }[] } };
    expect(json.proposal.perms).toEqual(["load_policy", "setenforce"]);
    expect(json.proposal.allow).toBe(rules[1]);
    expect(json.proposal.refused.map((n) => n.line)).toEqual([68]);
  });

  it("xsm why proposes each group of the log's lines once the log is read", async () => {
    const r = await xsm("why", XF, LOG);
    const tail = r.stdout.slice(r.stdout.indexOf("xsm: log lines"));
    expect(tail).toBe(
      [
        "xsm: log lines 1, 3, 5: domU_t -> isolated_domU_t grant map_read, map_write, copy, unmap together (one rule for this source, target and class, as audit2allow writes it):",
        `xsm:   audit2allow proposes: ${rules[0]}`,
        "xsm: log lines 2, 6: domU_t -> security_t security load_policy, setenforce together (one rule for this source, target and class, as audit2allow writes it):",
        `xsm:   audit2allow's rule ${rules[1]} is no fix: checkpolicy refuses the policy with it`,
        "xsm:     modules/xen.te:68: neverallow ~dom0_t security_t:security { load_policy setenforce setbool }; (neverallow violated by allow domU_t security_t:security { load_policy setenforce })",
        "",
      ].join("\n"),
    );
    // --plain is audit2why's text alone
    expect((await xsm("why", XF, LOG, "--plain")).stdout).not.toContain("xsm:");
  });

  it("xsm test proposes one rule for a failing test's permissions", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-combine-"));
    try {
      const file = join(dir, "t.tests.json");
      writeFileSync(file, JSON.stringify({ policy: join(process.cwd(), XF), tests: [{ source: "domU_t", target: "isolated_domU_t", class: "grant", perm: ["map_read", "map_write", "copy", "unmap"], expect: "allowed" }] }));
      const r = await xsm("test", file);
      expect(r.stdout).toContain(`    map_read, map_write, copy, unmap together (one rule for this source, target and class, as audit2allow writes it):\n      audit2allow proposes: ${rules[0]}\n`);
      expect(r.stdout.match(/audit2allow proposes/g)).toHaveLength(1);
      const json = JSON.parse((await xsm("test", file, "--json")).stdout) as { files: { tests: { proposal: { allow: string } }[] }[] };
      expect(json.files[0]!.tests[0]!.proposal.allow).toBe(rules[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
