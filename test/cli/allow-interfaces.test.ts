// `xsm allow TREE LOG --interfaces` (audit2allow -R for a Xen tree): a missing rule one of the
// tree's m4 interfaces grants is written as the tightest call (src/build/interfaces.ts), and the
// call does grant it: added to the module, the denial is allowed. An interface that declares types
// is offered when its call compiles (as sepolgen reads it: its allow rules); one of any number of
// arguments is never offered; a policy.conf has no interfaces to offer.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expandTree } from "../../src/build/index.js";
import { grantingInterfaces, interfaceVectors, type InterfaceAnswer, type InterfaceWork } from "../../src/build/interfaces.js";
import { compile } from "../../src/policy/index.js";
import { xsm } from "./run.js";
import { hasM4 } from "../tools.js";

const TREE = "examples/xen-flask";
const LOG = "test/fixtures/tree/interfaces.log";
const tmp = mkdtempSync(join(tmpdir(), "xsm-allow-if-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!hasM4)("xsm allow --interfaces on a tree (needs GNU m4)", () => {
  it("writes the tightest call in place of the rule, the rule and the other calls in comments", async () => {
    const r = await xsm("allow", TREE, LOG, "--interfaces");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        "",
        "",
        "#============= dom0_t ==============",
        "",
        "#!!!! This avc is allowed in the current policy",
        "allow dom0_t domU_t:mmu stat;",
        "",
        "#============= domU_t ==============",
        "",
        "# allow domU_t isolated_domU_t:grant map_read;",
        "# granted by modules/xen.if's domain_comms [252]: 6 allow rules, 16 permissions",
        "domain_comms(domU_t, isolated_domU_t)",
        // (no interface grants kexec: the rule stays)
        "allow domU_t xen_t:xen kexec;",
        "",
        "#============= isolated_domU_t ==============",
        "",
        "# allow isolated_domU_t nic_dev_t:resource use_iommu;",
        // audit2allow -R's distance: 3 bits of its own access beside use_iommu; admin_device grants 14
        // more permissions of the device, bind_irq and the same mmu rules
        "# granted by modules/xen.if's use_device_iommu [67]: 3 allow rules, 4 permissions",
        "# also: use_device_iommu_nointremap(isolated_domU_t, nic_dev_t) [76], use_device_noiommu(isolated_domU_t, nic_dev_t) [86], admin_device(isolated_domU_t, nic_dev_t) [139]",
        "use_device_iommu(isolated_domU_t, nic_dev_t)",
        "",
      ].join("\n"),
    );
    // without the option, audit2allow's rules as before
    expect((await xsm("allow", TREE, LOG)).stdout).not.toContain("use_device_iommu");
  });

  it("--json lists each rule's interfaces, nearest first", async () => {
    const r = await xsm("allow", TREE, LOG, "-R", "--json");
    expect(r.code, r.stderr).toBe(0);
    const rules = JSON.parse(r.stdout) as { source: string; cause: string; interfaces?: { call: string; file: string; rules: number; perms: number; distance: number }[] }[];
    const iso = rules.find((x) => x.source === "isolated_domU_t")!;
    expect(iso.interfaces!.map((g) => g.call)).toEqual(["use_device_iommu(isolated_domU_t, nic_dev_t)", "use_device_iommu_nointremap(isolated_domU_t, nic_dev_t)", "use_device_noiommu(isolated_domU_t, nic_dev_t)", "admin_device(isolated_domU_t, nic_dev_t)"]);
    expect(iso.interfaces![0]).toEqual({ call: "use_device_iommu(isolated_domU_t, nic_dev_t)", name: "use_device_iommu", file: "modules/xen.if", rules: 3, perms: 4, distance: 67 });
    expect(iso.interfaces!.map((g) => g.distance)).toEqual([67, 76, 86, 139]);
    // a rule the policy has already is asked nothing
    expect(rules.find((x) => x.source === "dom0_t")!.interfaces).toBeUndefined();
    expect(rules.find((x) => x.source === "domU_t" && x.cause === "te-rule" && JSON.stringify(x).includes("kexec"))!.interfaces).toEqual([]);
  });

  it("the offered call grants the denial: added to the module, the line is allowed", async () => {
    const copy = join(tmp, "tree");
    cpSync(TREE, copy, { recursive: true });
    appendFileSync(join(copy, "modules/isolated_domU.te"), "use_device_iommu(isolated_domU_t, nic_dev_t)\n");
    const r = await xsm("allow", copy, LOG, "--json");
    const rules = JSON.parse(r.stdout) as { source: string; cause: string }[];
    expect(rules.find((x) => x.source === "isolated_domU_t")!.cause).toBe("allowed");
  });

  it("never offers a call declaring a type the policy has, nor one the policy's rules already make needless", () => {
    const expanded = expandTree(TREE);
    const [{ grants: offered }] = grantingInterfaces(expanded, [{ source: "domU_t", target: "isolated_domU_t", tclass: "grant", perms: ["map_read"] }]) as [InterfaceAnswer];
    expect(offered!.map((g) => g.call)).not.toContainEqual(expect.stringMatching(/^declare_/));
    // device_model(dom0_t, domU_t) would grant this, but declares domU_t_target, which domU.te's
    // make_device_model has declared: it does not compile
    expect(grantingInterfaces(expanded, [{ source: "dom0_t", target: "domU_t", tclass: "domain", perms: ["set_target"] }])).toEqual([{ grants: [], undecided: [] }]);
    // (allowed already: nothing to offer)
    expect(grantingInterfaces(expanded, [{ source: "dom0_t", target: "domU_t", tclass: "mmu", perms: ["stat"] }])).toEqual([{ grants: [], undecided: [] }]);
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: three-parameter interfaces (needs GNU m4)", () => {
  // create_channel(source, destination, channel_label): a channel's bind denial names the label and
  // the destination ($3 and $2, by the rule `allow $3 $2:event bind`); the source is the type the
  // policy already lets create channels labelled so
  it("binds the denial's types where the interface's own rule puts them, and says which type the third parameter got and why", async () => {
    const r = await xsm("allow", TREE, "test/fixtures/tree/interfaces-channel.log", "-R");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      [
        "# allow isolated_domU_t_channel domU_t:event bind;",
        "# granted by modules/xen.if's create_channel [5]: 2 allow rules, 4 permissions",
        "# source = isolated_domU_t: the policy already allows 3 of the call's permissions naming it",
        // (domain_event_comms' create_channel($1, $2, $1_channel) binds by the channel's name;
        // device_model's create_channel($2, $1, $2_channel) makes domU_t the device model)
        // (make_device_model grants it with any builder: far from the denial, it is one more
        // alternative, its open parameter in capitals)
        "# also: domain_event_comms(isolated_domU_t, domU_t) [55], domain_comms(isolated_domU_t, domU_t) [137], device_model(domU_t, isolated_domU_t) [223], make_device_model(BUILDER, domU_t, isolated_domU_t) [255]",
        "create_channel(isolated_domU_t, domU_t, isolated_domU_t_channel)",
      ].join("\n"),
    );
    const rules = JSON.parse((await xsm("allow", TREE, "test/fixtures/tree/interfaces-channel.log", "-R", "--json")).stdout) as { interfaces?: { call: string; chosen?: unknown }[] }[];
    expect(rules[0]!.interfaces![0]!.chosen).toEqual({ parameter: "source", argument: "isolated_domU_t", reason: "the policy already allows 3 of the call's permissions naming it" });
  });

  it("the call with the chosen argument grants the denial", async () => {
    const copy = join(tmp, "channel");
    cpSync(TREE, copy, { recursive: true });
    appendFileSync(join(copy, "modules/isolated_domU.te"), "create_channel(isolated_domU_t, domU_t, isolated_domU_t_channel)\n");
    const r = await xsm("allow", copy, "test/fixtures/tree/interfaces-channel.log", "--json");
    expect((JSON.parse(r.stdout) as { cause: string }[])[0]!.cause).toBe("allowed");
  });

  it("a domain with no channel yet: the destination is a type the policy already lets channels bind to", () => {
    const copy = join(tmp, "lonely");
    cpSync(TREE, copy, { recursive: true });
    writeFileSync(join(copy, "modules/lonely.te"), "declare_domain(lonely_t)\n");
    appendFileSync(join(copy, "modules/modules.conf"), "lonely = on\n");
    const [{ grants: offered }] = grantingInterfaces(expandTree(copy), [{ source: "lonely_t", target: "lonely_t_channel", tclass: "event", perms: ["create"] }], { parameters: () => ["source", "destination", "channel_label"] }) as [InterfaceAnswer];
    const channel = offered!.filter((g) => g.name === "create_channel");
    expect(channel.length).toBeGreaterThan(0);
    for (const g of channel) {
      expect(g.call).toMatch(/^create_channel\(lonely_t, \w+, lonely_t_channel\)$/);
      expect(g.chosen).toMatchObject({ parameter: "destination", reason: expect.stringMatching(/^the policy already allows \d+ of the call's permissions naming it/) });
    }
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: interfaces that declare types (needs GNU m4)", () => {
  const DM_LOG = "test/fixtures/tree/interfaces-device-model.log";

  // domU.te: "can get a device model with another make_device_model line"
  it("offers device_model and make_device_model for a device model's set_target, saying what the call declares", async () => {
    const r = await xsm("allow", TREE, DM_LOG, "-R");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        "",
        "",
        "#============= dm_dom_t ==============",
        "",
        "# allow dm_dom_t isolated_domU_t:domain set_target;",
        "# granted by modules/xen.if's device_model [262]: 9 allow rules, 21 permissions; declares isolated_domU_t_target",
        // the builder: the type the policy already lets make dm_dom_t a device model
        "# also: make_device_model(dom0_t, dm_dom_t, isolated_domU_t) [294]",
        "device_model(dm_dom_t, isolated_domU_t)",
        "",
        "#============= dom0_t ==============",
        // (domU_t_target exists: device_model(dom0_t, domU_t) would declare it again)
        "allow dom0_t domU_t:domain set_target;",
        "",
      ].join("\n"),
    );
    const rules = JSON.parse((await xsm("allow", TREE, DM_LOG, "-R", "--json")).stdout) as { source: string; interfaces: { call: string; declares?: string[]; chosen?: { argument: string } }[] }[];
    const dm = rules.find((x) => x.source === "dm_dom_t")!.interfaces;
    expect(dm.map((g) => [g.call, g.declares])).toEqual([
      ["device_model(dm_dom_t, isolated_domU_t)", ["isolated_domU_t_target"]],
      ["make_device_model(dom0_t, dm_dom_t, isolated_domU_t)", ["isolated_domU_t_target"]],
    ]);
    expect(dm[1]!.chosen).toMatchObject({ argument: "dom0_t", reason: "the policy already allows 1 of the call's permissions naming it" });
  });

  it.each(["device_model(dm_dom_t, isolated_domU_t)", "make_device_model(dom0_t, dm_dom_t, isolated_domU_t)"])("%s, added to the module, builds and grants the denial", async (call) => {
    const copy = join(tmp, call.replace(/\W+/g, "-"));
    cpSync(TREE, copy, { recursive: true });
    appendFileSync(join(copy, "modules/isolated_domU.te"), `${call}\n`);
    const r = await xsm("allow", copy, DM_LOG, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { source: string; cause: string }[]).find((x) => x.source === "dm_dom_t")!.cause).toBe("allowed");
  });

  // sepolgen-ifgen's reading of the same interfaces (scripts/gen-sepolgen-interfaces-fixture.ts;
  // test/oracle/sepolgen-interfaces.oracle.test.ts checks it live): audit2allow -R takes an
  // interface's allow rules, its type declarations ignored, so device_model and
  // make_device_model are interfaces to it as any other
  it("reads each interface's access as sepolgen does", () => {
    const expanded = expandTree(TREE);
    const run = compile(expanded.conf, { file: "policy.conf" });
    if (!run.ok) throw new Error("examples/xen-flask does not compile");
    const ours = interfaceVectors(expanded, run.value.policy);
    const theirs = new Map<string, string[]>();
    let cur: string[] = [];
    for (const line of readFileSync("test/fixtures/analysis/sepolgen-interfaces.txt", "utf8").split("\n").filter(Boolean)) {
      const head = /^\[InterfaceVector (\S+)/.exec(line);
      if (head) theirs.set(head[1]!, (cur = []));
      else cur.push(line);
    }
    // can_exec is sepolgen's own. In make_device_model, which calls device_model($2, $3), sepolgen
    // keeps a name device_model derives ($1_channel, $2_target) as device_model writes it, where
    // the call makes it $2_channel, $3_target (map_param renames only a bare $N)
    theirs.delete("can_exec");
    const mdm = theirs.get("make_device_model")!;
    theirs.set("make_device_model", mdm.map((l) => l.replace(/\$([12])_(\w+)/g, (_, n: string, rest: string) => `$${Number(n) + 1}_${rest}`)));
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [name, access] of ours) {
      const lines = access.map((a) => [a.source, a.target, a.tclass, ...[...a.perms].sort()].join(","));
      expect(lines.sort(), name).toEqual([...theirs.get(name)!].sort());
    }
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: each parameter where the interface's rules put it (needs GNU m4)", () => {
  // sepolgen gives a parameter the role its rules give it: xen_build_domain's $1 is the target of
  // `allow xenboot_t $1:domain create`, so the call takes the denial's target
  it("calls as audit2allow -R does: each call it writes is xsm's", async () => {
    const r = await xsm("allow", TREE, "test/fixtures/tree/interfaces-roles.log", "-R");
    expect(r.code, r.stderr).toBe(0);
    const calls = (text: string) => text.split("\n").filter((l) => /^\w+\(.*\)$/.test(l));
    // audit2allow -R offers only interfaces of one parameter (sepolgen's hack_check_ifs disables
    // the others): use_device_iommu is xsm's alone
    const theirs = calls(readFileSync("test/fixtures/analysis/audit2allow-R.txt", "utf8"));
    expect(theirs).toEqual(["xen_build_domain(isolated_domU_t)"]);
    expect(calls(r.stdout)).toEqual(["use_device_iommu(isolated_domU_t, nic_dev_t)", ...theirs]);
  });

  // audit2allow -R's `#!!!!` lines say why an access is denied (allowed already, dontaudit, a
  // boolean, a constraint); on these event-channel denials it offers no call and marks nothing else
  it("marks with #!!!! what audit2allow -R marks, and nothing else", async () => {
    const r = await xsm("allow", TREE, "test/fixtures/tree/interfaces-events.log", "-R");
    expect(r.code, r.stderr).toBe(0);
    const theirs = readFileSync("test/fixtures/analysis/audit2allow-R-events.txt", "utf8");
    const marks = (text: string) => text.split("\n").filter((l) => l.startsWith("#!!!!"));
    expect(marks(r.stdout)).toEqual(marks(theirs));
    expect(marks(r.stdout)).toEqual(["#!!!! This avc is allowed in the current policy"]);
    // each rule audit2allow writes is xsm's, as the rule or as the comment above the call
    const rules = (text: string) => text.split("\n").filter((l) => /^(# )?allow /.test(l)).map((l) => l.replace(/^# /, ""));
    expect(rules(r.stdout)).toEqual(rules(theirs));
  });

  it("a name made from a parameter gives it the part of the denial's type: create_domain(domU_t, isolated_domU_t) for a channel", () => {
    // `allow $1 $2_channel:event create`: $1 is the source, $2 what the target's name is made of
    const [answer] = grantingInterfaces(expandTree(TREE), [{ source: "domU_t", target: "isolated_domU_t_channel", tclass: "event", perms: ["create"] }]);
    const g = answer!.grants.find((x) => x.name === "create_domain")!;
    expect(g.call).toBe("create_domain(domU_t, isolated_domU_t)");
    expect(g.chosen).toBeUndefined();
    // positionally it would be create_domain(domU_t, isolated_domU_t_channel), which grants nothing asked
    expect(answer!.grants.map((x) => x.call)).not.toContain("create_domain(domU_t, isolated_domU_t_channel)");
  });

  it("two bindings whose calls expand to the same rules are offered once", () => {
    // domain_comms grants map_read both ways: domain_comms(domU_t, isolated_domU_t) and
    // domain_comms(isolated_domU_t, domU_t) are one set of rules
    const [answer] = grantingInterfaces(expandTree(TREE), [{ source: "domU_t", target: "isolated_domU_t", tclass: "grant", perms: ["map_read"] }]);
    expect(answer!.grants.filter((g) => g.name === "domain_comms").map((g) => g.call)).toEqual(["domain_comms(domU_t, isolated_domU_t)"]);
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: a parameter too many types tie for (needs GNU m4)", () => {
  // every domain may bind to shared_channel_t: for create_channel(domU_t, ?, shared_channel_t) the
  // policy already allows one permission naming each of them as the destination, and no type
  // more; 14 tie, more than the 8 xsm tries
  it("the interface is not offered, and the output says so (text and --json)", async () => {
    const copy = join(tmp, "tie");
    cpSync(TREE, copy, { recursive: true });
    writeFileSync(join(copy, "modules/shared.te"), "type shared_channel_t, event_type;\nallow shared_channel_t domain_type:event bind;\n");
    appendFileSync(join(copy, "modules/modules.conf"), "shared = on\n");
    const log = join(tmp, "tie.log");
    writeFileSync(log, "(XEN) avc:  denied  { create } for domid=1 scontext=system_u:system_r:domU_t tcontext=system_u:object_r:shared_channel_t tclass=event\n");
    const r = await xsm("allow", copy, log, "-R");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        "",
        "",
        "#============= domU_t ==============",
        "",
        "# not offered: create_channel(domU_t, DESTINATION, shared_channel_t) [10] from modules/xen.if grants it with any of 14 types as destination, such as dom0_t, domU_t, domU_t_self (the policy already allows 1 of the call's permissions naming each): too many to guess",
        "allow domU_t shared_channel_t:event create;",
        "",
      ].join("\n"),
    );
    const json = JSON.parse((await xsm("allow", copy, log, "-R", "--json")).stdout) as { interfaces: unknown[]; undecided: unknown[] }[];
    expect(json[0]!.interfaces).toEqual([]);
    expect(json[0]!.undecided).toEqual([
      { call: "create_channel(domU_t, DESTINATION, shared_channel_t)", name: "create_channel", file: "modules/xen.if", parameter: "destination", types: 14, examples: ["dom0_t", "domU_t", "domU_t_self"], reason: "the policy already allows 1 of the call's permissions naming each", distance: 10 },
    ]);
    // (one call stands for the 14: it is expanded and compiled to know the interface grants at all)
    const work: InterfaceWork = { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 };
    const [answer] = grantingInterfaces(expandTree(copy), [{ source: "domU_t", target: "shared_channel_t", tclass: "event", perms: ["create"] }], { work });
    expect(answer!.undecided.map((u) => u.types)).toEqual([14]);
    // (19 placeholder expansions, then the 29 calls whose interfaces' rules take the denial)
    expect(work.expansions).toBe(19 + 29);
  });

  it("an interface that would not grant the denial with the tied types is not mentioned", () => {
    const copy = join(tmp, "tie-other");
    cpSync(TREE, copy, { recursive: true });
    // (a neverallow forbids the create the call would grant: with any of the types it does not compile)
    writeFileSync(join(copy, "modules/shared.te"), "type shared_channel_t, event_type;\nallow shared_channel_t domain_type:event bind;\nneverallow domU_t shared_channel_t:event create;\n");
    appendFileSync(join(copy, "modules/modules.conf"), "shared = on\n");
    const [answer] = grantingInterfaces(expandTree(copy), [{ source: "domU_t", target: "shared_channel_t", tclass: "event", perms: ["create"] }]);
    expect(answer).toEqual({ grants: [], undecided: [] });
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: the work it does (needs GNU m4)", () => {
  const queries = [
    { source: "isolated_domU_t_channel", target: "domU_t", tclass: "event", perms: ["bind"] },
    { source: "isolated_domU_t", target: "nic_dev_t", tclass: "resource", perms: ["use_iommu"] },
    { source: "domU_t", target: "isolated_domU_t_channel", tclass: "event", perms: ["create"] },
  ];
  const counted = (tree: string) => {
    const work: InterfaceWork = { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 };
    const found = grantingInterfaces(expandTree(tree), queries, { work });
    return { work, calls: found.map((f) => f.grants.map((g) => g.call)) };
  };

  // A parameter the denial leaves open is scored on the interface's placeholder expansion: only
  // the picked calls are expanded (not one per declared type), and each expansion is read once
  it("two m4 runs (placeholders, then the calls), each call expanded and parsed once", () => {
    const { work, calls } = counted(TREE);
    // the 19 interfaces' placeholder expansions; then the 23 calls their rules place the denials'
    // types in (create_channel's picks: 1 for the bind, 3 for the create), each read once if it
    // can grant (has an allow rule naming the class): all but 2. One binding is rejected before
    // it is expanded: create_domain_build_label(domU_t, isolated_domU_t) names
    // isolated_domU_t_building, which the policy does not declare
    expect(calls.map((c) => c.filter((x) => x.startsWith("create_channel")).length)).toEqual([1, 0, 3]);
    expect(work).toEqual({ m4Runs: 2, expansions: 19 + 23, parses: 19 + 21, rejected: 1 });
  });

  it("the work does not grow with the types the policy declares", () => {
    const copy = join(tmp, "many-types");
    cpSync(TREE, copy, { recursive: true });
    const extra = Array.from({ length: 40 }, (_, i) => `type extra${i}_t, domain_type;\n`).join("");
    writeFileSync(join(copy, "modules/extra.te"), extra);
    appendFileSync(join(copy, "modules/modules.conf"), "extra = on\n");
    expect(counted(copy)).toEqual(counted(TREE));
  });
});

describe.skipIf(!hasM4)("xsm allow --interfaces: each name of a call of the kind its statements need (needs GNU m4)", () => {
  // label_channel's $2 is an attribute (`typeattribute $3 $2`): the denial leaves it open, and
  // only the policy's attributes are tried for it (a type there would not compile)
  it("a parameter a statement needs as an attribute is given an attribute", () => {
    const copy = join(tmp, "kinds-attribute");
    cpSync(TREE, copy, { recursive: true });
    appendFileSync(join(copy, "modules/xen.if"), "\n# label_channel(source, attribute, channel)\ndefine(`label_channel', `\n\ttypeattribute $3 $2;\n\tallow $1 $3:event create;\n')\n");
    const [answer] = grantingInterfaces(expandTree(copy), [{ source: "domU_t", target: "isolated_domU_t_channel", tclass: "event", perms: ["create"] }], { parameters: () => ["source", "attribute", "channel"] });
    const calls = answer!.grants.filter((g) => g.name === "label_channel");
    expect(calls.map((g) => g.chosen!.argument).sort()).toEqual(["domain_self_type", "domain_target_type", "domain_type", "event_type", "mls_priv", "resource_type", "xen_type"]);
    for (const g of calls) expect(g.chosen!.reason).toBe("1 of 7 declared attributes its rules accept (the policy relates none to the denial's types)");
    expect(answer!.undecided.map((u) => u.name)).not.toContain("label_channel");
  });

  // weird_channel is a channel label without a domain `weird`: create_domain(domU_t, weird) would
  // name it as a domain (`allow $1 $2:domain create`), which the policy does not declare
  it("a binding that names an undeclared name is rejected before it is scored, expanded or compiled", () => {
    const copy = join(tmp, "kinds-undeclared");
    cpSync(TREE, copy, { recursive: true });
    writeFileSync(join(copy, "modules/weird.te"), "type weird_channel, event_type;\n");
    appendFileSync(join(copy, "modules/modules.conf"), "weird = on\n");
    const work: InterfaceWork = { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 };
    const [answer] = grantingInterfaces(expandTree(copy), [{ source: "domU_t", target: "weird_channel", tclass: "event", perms: ["create"] }], { work });
    expect(answer!.grants.map((g) => g.name)).not.toContain("create_domain");
    // (the same denial on a channel of a domain: create_domain's binding stands; in both,
    // create_domain_build_label's is rejected, as no domain has a _building label but nomigrate_t,
    // and for weird device_model's as well, whose `type_transition $2 $1:domain` names weird)
    const declared: InterfaceWork = { m4Runs: 0, expansions: 0, parses: 0, rejected: 0 };
    const [other] = grantingInterfaces(expandTree(TREE), [{ source: "domU_t", target: "isolated_domU_t_channel", tclass: "event", perms: ["create"] }], { work: declared });
    expect(other!.grants.map((g) => g.call)).toContain("create_domain(domU_t, isolated_domU_t)");
    expect(work.rejected).toBeGreaterThan(declared.rejected);
    expect(work.expansions).toBeLessThan(declared.expansions);
  });
});

describe.skipIf(!hasM4)("xsm allow -R --perm-map (needs GNU m4)", () => {
  it("ranks by the map given: its weights make the distances", async () => {
    const map = join(tmp, "resource.permmap");
    // one class: the mmu permissions count sepolgen's default weight, 5
    writeFileSync(map, "1\nclass resource 1\nuse_iommu b 8\n");
    const r = await xsm("allow", TREE, LOG, "-R", "--json", "--perm-map", map);
    expect(r.code, r.stderr).toBe(0);
    const rules = JSON.parse(r.stdout) as { source: string; interfaces?: { call: string; distance: number }[] }[];
    // exchange: 10 + 10 + 5; the domio_t mmu rule: 10 + 10 + 5 + 5
    expect(rules.find((x) => x.source === "isolated_domU_t")!.interfaces![0]).toMatchObject({ call: "use_device_iommu(isolated_domU_t, nic_dev_t)", distance: 55 });
  });

  it("a map that does not read is an error at its line (exit 1); --perm-map without -R a usage error", async () => {
    const bad = join(tmp, "bad.permmap");
    writeFileSync(bad, "1\nclass resource 1\nuse_iommu sideways 8\n");
    const r = await xsm("allow", TREE, LOG, "-R", "--perm-map", bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3:`);
    const usage = await xsm("allow", TREE, LOG, "--perm-map", bad);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--perm-map ranks the interfaces -R offers");
  });
});

describe("xsm allow --interfaces refused", () => {
  it("for a policy.conf: it has no interfaces to offer (usage error, exit 2)", async () => {
    const r = await xsm("allow", "examples/xen-flask/policy.conf", LOG, "--interfaces");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--interfaces: examples/xen-flask/policy.conf is not a policy tree");
  });
});
