// `xsm check` under "no allow rule grants it": the rules near the denial and the allow rule
// audit2allow would write (text and --json), on the small fixture made for it, on Xen's example
// policy.conf, and on its tree, where the reasons name the .te/.if lines and the interface call
// `xsm allow -R` would propose is offered too. Golden files: test/fixtures/cli/NAME.txt
// (UPDATE_GOLDEN=1 npx vitest run test/cli/check-nearest.test.ts).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { xsm } from "./run.js";
import { hasM4 } from "../tools.js";

const dir = "test/fixtures/cli";
const NEAR = `${dir}/nearest.conf`;
const XF = "examples/xen-flask";
const REFUSED = "test/fixtures/refused/refused.conf";
const q = (s: string, t: string, cls: string, perm: string) => ["--scontext", s, "--tcontext", t, "--class", cls, "--perm", perm];
const guest = "system_u:system_r:guest_t";
const nic2 = "system_u:object_r:nic2_t";
const isolated = "system_u:system_r:isolated_domU_t";
const nicDev = "system_u:object_r:nic_dev_t";

const CASES: Record<string, string[]> = {
  // other permissions of the pair, other targets (five of seven, one naming more types than shown,
  // one in a branch that is off), another source
  "check-nearest": ["check", NEAR, ...q(guest, nic2, "resource", "plug")],
  "check-nearest-json": ["check", NEAR, ...q(guest, nic2, "resource", "plug"), "--json"],
  // `self`: guest_t's own, and dom0_t's; bind has no rule anywhere
  "check-nearest-self": ["check", NEAR, ...q(guest, "system_u:system_r:dom0_t", "event", "send,bind")],
  "check-nearest-xen-flask": ["check", `${XF}/policy.conf`, ...q("system_u:system_r:domU_t", isolated, "grant", "map_read")],
  // audit2allow's rule breaks a neverallow (checkpolicy's word: test/fixtures/refused), or the
  // child type's typebounds: no fix, said so
  "check-refused": ["check", `${XF}/policy.conf`, ...q("system_u:system_r:domU_t", "system_u:system_r:xen_t", "version", "xen_commandline")],
  "check-refused-json": ["check", `${XF}/policy.conf`, ...q("system_u:system_r:domU_t", "system_u:object_r:security_t", "security", "load_policy"), "--json"],
  "check-refused-bounds": ["check", REFUSED, ...q("system_u:system_r:guest_t.sub", "system_u:system_r:xen_t", "xen", "settime")],
};

const TREE_CASES: Record<string, string[]> = {
  "check-nearest-tree": ["check", XF, ...q(isolated, nicDev, "resource", "use_iommu")],
  "check-nearest-tree-json": ["check", XF, ...q(isolated, nicDev, "resource", "use_iommu"), "--json"],
  // the neverallow named in its .te file; no interface call offered (it would break it too)
  "check-refused-tree": ["check", XF, ...q("system_u:system_r:domU_t", "system_u:object_r:security_t", "security", "load_policy")],
};

function expectGolden(name: string, actual: string): void {
  const file = join(dir, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, actual);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/check-nearest.test.ts`);
  expect(actual).toBe(readFileSync(file, "utf8"));
}

const golden = (name: string, argv: string[]) =>
  it(name, async () => {
    const r = await xsm(...argv);
    expectGolden(name, `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
  });

describe("xsm check: the rules near a denial (golden files)", () => {
  for (const [name, argv] of Object.entries(CASES)) golden(name, argv);

  it("--json's reasons are what src/sim/output.schema.json's definitions/reason says", async () => {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajv.addSchema(JSON.parse(readFileSync("src/sim/output.schema.json", "utf8")) as object, "output");
    const validate = ajv.getSchema("output#/definitions/reason")!;
    for (const perm of ["plug", "unplug"]) {
      const doc = JSON.parse((await xsm("check", NEAR, ...q(guest, nic2, "resource", perm), "--json")).stdout) as { reasons: unknown[] };
      for (const r of doc.reasons) expect(validate(r) ? "" : JSON.stringify(validate.errors)).toBe("");
    }
    const refused = JSON.parse((await xsm("check", `${XF}/policy.conf`, ...q("system_u:system_r:domU_t", "system_u:object_r:security_t", "security", "load_policy"), "--json")).stdout) as { reasons: unknown[] };
    for (const r of refused.reasons) expect(validate(r) ? "" : JSON.stringify(validate.errors)).toBe("");
    // (not vacuous: a near rule without its permissions is refused)
    const doc = JSON.parse((await xsm("check", NEAR, ...q(guest, nic2, "resource", "plug"), "--json")).stdout) as { reasons: { nearest: { otherPerms: { rules: { perms?: string[] }[] } } }[] };
    delete doc.reasons[0]!.nearest.otherPerms.rules[0]!.perms;
    expect(validate(doc.reasons[0])).toBe(false);
  });

  it("proposes the rule xsm allow writes for the same denial", async () => {
    const log = "(XEN) avc:  denied  { plug } for domid=1 scontext=system_u:system_r:guest_t tcontext=system_u:object_r:nic2_t tclass=resource\n";
    const path = join(process.env.TMPDIR ?? "/tmp", `xsm-nearest-${process.pid}.log`);
    writeFileSync(path, log);
    const allow = await xsm("allow", NEAR, path);
    const check = await xsm("check", NEAR, ...q(guest, nic2, "resource", "plug"), "--json");
    const proposed = (JSON.parse(check.stdout) as { reasons: { nearest?: { allow: string } }[] }).reasons[0]!.nearest!.allow;
    expect(allow.stdout).toContain(`\n${proposed}\n`);
  });
});

describe.skipIf(!hasM4)("xsm check on a tree: the rules near a denial and xsm allow -R's call (needs GNU m4)", () => {
  for (const [name, argv] of Object.entries(TREE_CASES)) golden(name, argv);

  it("offers the call xsm allow -R offers for the same denial", async () => {
    const allow = await xsm("allow", XF, "test/fixtures/tree/interfaces.log", "-R");
    const check = await xsm("check", XF, ...q(isolated, nicDev, "resource", "use_iommu"));
    const call = /audit2allow -R proposes: (.+\)) \(/.exec(check.stdout)![1]!;
    expect(call).toBe("use_device_iommu(isolated_domU_t, nic_dev_t)");
    expect(allow.stdout).toContain(`\n${call}\n`);
  });
});
