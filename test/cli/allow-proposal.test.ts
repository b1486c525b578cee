// `xsm allow -R` proposes one module for a whole log (src/build/proposal.ts): its calls stand
// together. A call that declares types (device_model's `type $2_target`) is proposed once: a rule
// it grants gets no call of its own, and a call that would declare one of its names again is
// passed over, and said. Every proposal of a real run, added to the tree as a module, builds and
// allows every denial it was made for (test/oracle/allow-proposal.test.ts: checkpolicy builds it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";
import { PROPOSAL_LOGS, proposalTree } from "./proposal.js";
import { xsm } from "./run.js";

const TREE = "examples/xen-flask";
const LOG = "test/fixtures/tree/interfaces-together.log";
const tmp = mkdtempSync(join(tmpdir(), "xsm-allow-proposal-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasM4)("xsm allow -R: the calls of one log stand together (needs GNU m4)", () => {
  it("a call declaring isolated_domU_t_target is proposed once; the rules it grants say so, the calls that would declare it again are passed over", async () => {
    const r = await xsm("allow", TREE, LOG, "-R");
    expect(r.code, r.stderr).toBe(0);
    const above = "as device_model(dm_dom_t, isolated_domU_t) above does";
    expect(r.stdout).toBe(
      [
        "",
        "",
        "#============= dm_dom_t ==============",
        "",
        "# allow dm_dom_t isolated_domU_t:domain set_target;",
        "# granted by modules/xen.if's device_model [262]: 9 allow rules, 21 permissions; declares isolated_domU_t_target",
        "# also: make_device_model(dom0_t, dm_dom_t, isolated_domU_t) [294]",
        "device_model(dm_dom_t, isolated_domU_t)",
        "",
        // (device_model's `allow $1 $2_channel:event create`: the call is not written twice)
        "# allow dm_dom_t isolated_domU_t_channel:event create;",
        "# granted by device_model(dm_dom_t, isolated_domU_t) above",
        "",
        "#============= dom0_t ==============",
        "",
        `# not offered: make_device_model(dom0_t, dom0_t, isolated_domU_t) [294] declares isolated_domU_t_target, ${above}`,
        "allow dom0_t isolated_domU_t:domain2 set_as_target;",
        "",
        "#============= nomigrate_t ==============",
        "",
        `# not offered: device_model(nomigrate_t, isolated_domU_t) [262] declares isolated_domU_t_target, ${above}`,
        `# not offered: make_device_model(BUILDER, nomigrate_t, isolated_domU_t) [294] declares isolated_domU_t_target, ${above}`,
        "allow nomigrate_t isolated_domU_t:domain set_target;",
        "",
      ].join("\n"),
    );
    const rules = JSON.parse((await xsm("allow", TREE, LOG, "-R", "--json")).stdout) as { source: string; target: string; grantedAbove?: string[]; interfaces: { call: string; clash?: unknown }[] }[];
    expect(rules.find((x) => x.target === "isolated_domU_t_channel")!.grantedAbove).toEqual(["device_model(dm_dom_t, isolated_domU_t)"]);
    expect(rules.find((x) => x.source === "dom0_t")!.interfaces[0]).toMatchObject({ call: "make_device_model(dom0_t, dom0_t, isolated_domU_t)", clash: { call: "device_model(dm_dom_t, isolated_domU_t)", names: ["isolated_domU_t_target"] } });
  });

  it.each(PROPOSAL_LOGS)("the proposal for %s, added to the tree as a module, builds and allows every denial it was made for", async (log) => {
    const dir = join(tmp, basename(log, ".log"));
    const before = JSON.parse((await xsm("allow", TREE, log, "--json")).stdout) as { source: string; target: string; class: string; cause: string }[];
    const lines = await proposalTree(TREE, log, dir);
    expect(lines.length).toBeGreaterThan(0);
    const after = await xsm("allow", dir, log, "--json");
    expect(after.code, after.stderr).toBe(0);
    const rules = JSON.parse(after.stdout) as { source: string; target: string; class: string; cause: string }[];
    // (a constraint's denial stays one: no allow rule lifts it)
    const key = (x: { source: string; target: string; class: string }) => `${x.source} ${x.target}:${x.class}`;
    const kept = new Set(before.filter((x) => x.cause === "constraint").map(key));
    for (const x of rules) expect(`${key(x)} ${x.cause}`).toBe(`${key(x)} ${kept.has(key(x)) ? "constraint" : "allowed"}`);
  });
});
