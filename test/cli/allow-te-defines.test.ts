// `xsm allow -R` and the names a tree's .te files define as m4 macros: declare_singleton_domain(T),
// called in xenstore.te and xen.te, defines `T_self` as T, so domain_self_comms(xenstore_t), whose
// rules name `$1_self`, grants xenstore_t on itself. The calls were expanded by an m4 run without the
// .te files (xenstore_t_self: no such type, the call refused) and the denial matched against names
// as pasted, so the call was never offered, only the wider domain_comms(xenstore_t, xenstore_t).
// The calls are now expanded after the whole tree, as a module's are, and a name an interface builds
// from a parameter is read as m4 reads it. (audit2allow -R reads no .te file: sepolgen matches
// `$1_self` as a literal type. Xen's tree has no refpolicy headers it could read.)
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandTree } from "../../src/build/index.js";
import { grantingInterfaces } from "../../src/build/interfaces.js";
import { hasM4 } from "../tools.js";
import { xsm } from "./run.js";

const TREE = "examples/xen-flask";
const LOG = "test/fixtures/tree/interfaces-singleton.log";
const tmp = mkdtempSync(join(tmpdir(), "xsm-allow-te-defines-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasM4)("xsm allow -R with names the .te files define (needs GNU m4)", () => {
  it("offers domain_self_comms(xenstore_t) for xenstore_t on itself, nearest first", async () => {
    const r = await xsm("allow", TREE, LOG, "-R");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        "",
        "",
        "#============= xenstore_t ==============",
        "",
        "# allow xenstore_t self:grant copy;",
        // (the same distance: every access vector of either is xenstore_t's on itself)
        "# granted by modules/xen.if's domain_self_comms [76]: 3 allow rules, 8 permissions",
        "# also: domain_comms(xenstore_t, xenstore_t) [76]",
        "domain_self_comms(xenstore_t)",
        "",
      ].join("\n"),
    );
  });

  it("the call grants the denial: added to a module of the tree, the policy allows it", async () => {
    const copy = join(tmp, "added");
    cpSync(TREE, copy, { recursive: true });
    expect((await xsm("check", copy, "--scontext", "system_u:system_r:xenstore_t", "--tcontext", "system_u:system_r:xenstore_t", "--class", "grant", "--perm", "copy")).stdout).toMatch(/^denied/);
    writeFileSync(join(copy, "modules/fix.te"), "domain_self_comms(xenstore_t)\n");
    appendFileSync(join(copy, "modules/modules.conf"), "fix = on\n");
    const after = await xsm("check", copy, "--scontext", "system_u:system_r:xenstore_t", "--tcontext", "system_u:system_r:xenstore_t", "--class", "grant", "--perm", "copy");
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^allowed/);
  });

  // peer_grant's source is `$1_self`, the only place $1 stands: the denial's source binds it
  // through the .te's definition (xenstore_t_self is xenstore_t), as m4 would make it; a name
  // the .te files do not define so (domU_t_self is a type of its own) binds nothing
  it("binds a parameter through such a name, where it is the only one naming the parameter", () => {
    const copy = join(tmp, "peer");
    cpSync(TREE, copy, { recursive: true });
    appendFileSync(join(copy, "modules/xen.if"), "\n# peer_grant(domain, peer)\ndefine(`peer_grant', `\n\tallow $1_self $2:grant copy;\n')\n");
    const [singleton, plain] = grantingInterfaces(expandTree(copy), [
      { source: "xenstore_t", target: "isolated_domU_t", tclass: "grant", perms: ["copy"] },
      { source: "domU_t", target: "isolated_domU_t", tclass: "grant", perms: ["copy"] },
    ]);
    const peer = singleton!.grants.find((g) => g.name === "peer_grant");
    expect(peer).toMatchObject({ call: "peer_grant(xenstore_t, isolated_domU_t)", rules: 1, perms: 1 });
    expect(peer!.chosen).toBeUndefined();
    expect(plain!.grants.map((g) => g.name)).not.toContain("peer_grant");
  });
});
