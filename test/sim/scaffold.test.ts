// The newcomer's path: `xsm init` a four-platform policy (one nested under a guest platform), it
// compiles; `xsm scaffold` writes a scenario that validates and runs with every expectation met under
// every strategy; `--svg` draws it; a step added by hand that crosses platforms is denied and the
// trace says why. The starter policy and the scaffold are golden files (the data is the point).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";
import { golden, scratchDir } from "./support.js";

const work = scratchDir("xsm-scaffold-");

describe("xsm init + xsm scaffold: the newcomer's path", () => {
  const policy = join(work, "policy.conf");
  const scenario = join(work, "scenario.json");

  it("init writes a four-platform starter policy that compiles, and says what to run next", async () => {
    const r = await xsm("init", policy, "--platforms", "svp,gvp1,gvp2,gvp3:gvp1");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("platforms svp (supervisor), gvp1 (guest of svp), gvp2 (guest of svp), gvp3 (guest of gvp1)");
    expect(r.stdout).toContain(`npx xsm scaffold ${policy} -o policy-scenario.json`);
    golden("init-four.conf", readFileSync(policy, "utf8"));
    const c = await xsm("compile", policy);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/warnings +0/);
    const again = await xsm("init", policy);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`xsm: error: ${policy} exists; give --force to overwrite it\n`);
  });

  it("init's default is one supervisor and one guest platform; a bad --platforms is a usage error", async () => {
    const r = await xsm("init", "-");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("platform svp supervisor {");
    expect(r.stdout).toContain("platform gvp1 guest of svp {");
    expect(r.stdout).toContain("type_transition gvp1_guest_t gvp1_guest_t:domain gvp1_guest_self_t;");
    const bad = await xsm("init", "-", "--platforms", "svp,gvp1:nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--platforms: 'gvp1:nope': parent nope is not declared before it");
  });

  it("scaffold writes a scenario that validates and runs with every expectation met under every strategy", async () => {
    const r = await xsm("scaffold", policy, "-o", scenario);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${scenario}: 7 domains, 29 steps (run: npx xsm simulate ${scenario})\n`);
    const doc = JSON.parse(readFileSync(scenario, "utf8"));
    expect(doc.policy).toBe("policy.conf");
    expect(doc.domains[0]).toEqual({ name: "svp-hwdom", domid: 0, context: "system_u:system_r:svp_hwdom_t", hardware: true, control: true });
    expect(doc.steps).toContainEqual({ as: "gvp3-hwdom", op: "pci_add_device", sbdf: "0000:03:12.0", physfn: "0000:03:00.0", expect: { rc: 0 } });
    golden("init-four.scenario.json", readFileSync(scenario, "utf8"));
    const all = await xsm("simulate", scenario, "--compare", "--json");
    expect(all.code).toBe(0);
    for (const s of JSON.parse(all.stdout).strategies) expect(s.summary, s.strategy).toMatchObject({ errors: 0, expectFailures: 0, stalePfs: 0, broken: 0 });
  });

  it("--svg draws it, and a denied step added by hand says why", async () => {
    const svg = join(work, "scenario.svg");
    expect((await xsm("simulate", scenario, "--svg", svg)).code).toBe(0);
    expect(readFileSync(svg, "utf8")).toContain("platform gvp3 (guest of gvp1)");
    const doc = JSON.parse(readFileSync(scenario, "utf8"));
    doc.steps.splice(5, 0, { as: "gvp2-hwdom", op: "pci_remove_device", sbdf: "0000:03:12.0", expect: { rc: "-EACCES" } });
    writeFileSync(scenario, JSON.stringify(doc));
    const r = await xsm("simulate", scenario, "--until", "6");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("6. gvp2-hwdom pci_remove_device 0000:03:12.0  => rc -EACCES\n");
    expect(r.stdout).toContain("xsm   resource_unplug_pci: gvp2_hwdom_t -> gvp3_pci_t resource:unplug denied -EACCES\n     why   no allow rule grants it\n");
  });

  it("scaffold of the policy's binary writes the same scenario: platforms rebuilt from their attributes, users and roles from its tables", async () => {
    const bin = join(work, "policy.bin");
    expect((await xsm("compile", policy, "-o", bin)).code).toBe(0);
    const r = await xsm("scaffold", bin);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const fromSource = JSON.parse(readFileSync(join(import.meta.dirname, "../fixtures/sim/golden/init-four.scenario.json"), "utf8"));
    const fromBinary = JSON.parse(r.stdout);
    // only the policy it names differs (the scenario is named after the file, less .conf or .bin)
    expect(fromBinary).toMatchObject({ name: "policy", policy: expect.stringMatching(/policy\.bin$/) });
    const bare = ({ name: _n, description: _d, policy: _p, ...rest }: Record<string, unknown>) => rest;
    expect(bare(fromBinary)).toEqual(bare(fromSource));
  });

  it("scaffold of a binary whose platform nesting is not all in it warns which platform", async () => {
    const conf = join(work, "spare.conf");
    writeFileSync(conf, `${readFileSync(policy, "utf8")}\nplatform spare guest of gvp1 {\n}\n`);
    expect((await xsm("compile", conf, "-o", join(work, "spare.bin"))).code).toBe(0);
    const r = await xsm("scaffold", join(work, "spare.bin"));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("xsm: warning: a binary policy keeps no platform blocks, only the attributes they compile to: where platform spare nests is not among them");
  });

  it("scaffold of the examples' policy runs clean too", async () => {
    const out = join(work, "svp.json");
    expect((await xsm("scaffold", "examples/svp/svp.conf", "-o", out)).code).toBe(0);
    const r = await xsm("simulate", out, "--compare", "--json");
    for (const s of JSON.parse(r.stdout).strategies) expect(s.summary.expectFailures, s.strategy).toBe(0);
  });
});
