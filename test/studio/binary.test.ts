// `xsm studio policy.bin`, or a scenario naming a binary: the server hands the page the binary's
// bytes, and the page loads them as xsm simulate loads them into the same decisions and names as
// its source (src/studio/page/policy-state.ts, compiled-index.ts), so the explorer and the access
// grid answer a binary exactly as they answer the policy.conf it was compiled from. What the page
// does with the answer: test/browser/.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBinary } from "../../src/binary/compile.js";
import { XEN_INITIAL_SIDS } from "../../src/binary/to-policy.js";
import { compile } from "../../src/policy/index.js";
import { parsePolicy } from "../../src/policy/parse.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import type { StudioManifest } from "../../src/studio/manifest.js";
import { GRID_PERMS } from "../../src/studio/page/access-grid.js";
import { domainContext, objectContext } from "../../src/studio/page/contexts.js";
import { answer, type Question } from "../../src/studio/page/decisions.js";
import { binaryState } from "../../src/studio/page/policy-state.js";
import { grantText, mergeGrants } from "../../src/studio/page/rule-facts.js";
import { indexPolicy, type PolicyIndex } from "../../src/studio/page/symbols.js";
import { serveSite, type StudioServer } from "../../src/studio/server.js";
import { buildSite } from "../../src/studio/site.js";
import { xsm } from "../cli/run.js";
import { http, scratchWithPage } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const { tmp, pageDir } = scratchWithPage("xsm-studio-binary-");
const text = readFileSync(join(examples, "svp.conf"), "utf8");

/** The page's answers for svp.conf: the compile and the index it builds from the source. */
function sourceAnswers(): { policy: CompiledPolicy; index: PolicyIndex } {
  const run = compile(text, { file: "svp.conf" });
  if (!run.ok) throw new Error("svp.conf does not compile");
  return { policy: run.value.policy, index: indexPolicy(parsePolicy(text, "svp.conf").ast) };
}

const ask = (source: string, target: string, perm: string, bools: Record<string, boolean> = {}): Question => ({ source, target, tclass: "resource", perm, bools });
/** A decision without its rules' places (a source's are .conf lines, a binary's lines of its listing). */
const verdict = (a: ReturnType<typeof answer>) => ({ scontext: a.scontext, tcontext: a.tcontext, allowed: a.decision.allowed, audited: a.decision.audited, reasons: a.decision.reasons.map((r) => r.kind) });

describe("xsm studio policy.bin", () => {
  let server: StudioServer;
  let manifest: StudioManifest;
  let bytes: Uint8Array;
  beforeAll(async () => {
    expect((await xsm("compile", join(examples, "svp.conf"), "-o", join(tmp, "policy.bin"))).code).toBe(0);
    server = await serveSite(buildSite(join(tmp, "policy.bin"), pageDir, undefined, { rebuild: true, save: true }));
    manifest = JSON.parse((await http(server, "/files.json")).body) as StudioManifest;
    const f = manifest.files[0]!;
    // (the bytes as sent: a string body would mangle them)
    const res = await fetch(new URL(f.url, server.url));
    bytes = new Uint8Array(await res.arrayBuffer());
  });
  afterAll(() => server?.close());

  it("serves the binary, to open first, as its bytes, never to be written", () => {
    expect(manifest.open).toEqual({ policy: "policy.bin" });
    expect(manifest.files).toEqual([{ name: "policy.bin", kind: "policy", url: "files/0/policy.bin", binary: true, noSave: expect.stringContaining("a compiled binary policy") }]);
    expect(Buffer.from(bytes)).toEqual(readFileSync(join(tmp, "policy.bin")));
  });

  it("loads into the source's decisions and names: the same platforms, users and permissions", () => {
    const state = binaryState(bytes, "policy.bin");
    expect(state.diagnostics).toEqual([]);
    const src = sourceAnswers();
    const bare = (i: PolicyIndex) => i.platforms.map(({ span: _span, ...p }) => p);
    expect(bare(state.index!)).toEqual(bare(src.index));
    expect(state.index!.users).toEqual(src.index.users);
    expect([...state.index!.perms].sort()).toEqual([...src.index.perms].sort());
    const named = (i: PolicyIndex, kinds: string[]) => [...i.symbols.values()].filter((s) => kinds.includes(s.kind)).map((s) => s.name).sort();
    expect(named(state.index!, ["type", "alias", "class"])).toEqual(named(src.index, ["type", "alias", "class"]));
    expect(state.listing).toContain("allow svp_hwdoms svp_managed_devices:resource");
  });

  it("answers a question granted and one denied as the source does, the granting rule a line of the binary's listing", () => {
    const { policy, index, listing } = binaryState(bytes, "policy.bin");
    const src = sourceAnswers();
    const granted = answer(policy!, index!, ask("svp_hwdom_t", "gvp1_pci_t", "unplug"));
    expect(verdict(granted)).toEqual(verdict(answer(src.policy, src.index, ask("svp_hwdom_t", "gvp1_pci_t", "unplug"))));
    expect(granted.decision.allowed).toBe(true);
    const rule = granted.decision.reasons.find((r) => r.kind === "granted-by")!;
    if (!("rule" in rule)) throw new Error("no rule");
    expect(rule.rule.span.file).toBe("policy.bin");
    expect(listing!.split("\n")[rule.rule.span.line - 1]).toBe(rule.rule.text);
    const denied = answer(policy!, index!, ask("gvp1_hwdom_t", "gvp2_pci_t", "unplug"));
    expect(verdict(denied)).toEqual(verdict(answer(src.policy, src.index, ask("gvp1_hwdom_t", "gvp2_pci_t", "unplug"))));
    expect(denied.decision.allowed).toBe(false);
    expect(denied.decision.reasons.map((r) => r.kind)).toEqual(["no-rule"]);
  });

  it("the access grid: every platform domain against every device label, as for the source", () => {
    const { policy, index } = binaryState(bytes, "policy.bin");
    const src = sourceAnswers();
    const grid = (p: CompiledPolicy, i: PolicyIndex) =>
      i.platforms.flatMap((pl) =>
        [...pl.hwdoms, ...pl.guests].flatMap((t) =>
          i.platforms.flatMap((q) => q.devices.flatMap((d) => GRID_PERMS.map((perm) => `${t} ${perm} ${d.type}: ${p.check(domainContext(p, i, t), objectContext(p, i, d.type), "resource", perm).allowed}`))),
        ),
      );
    const cells = grid(policy!, index!);
    expect(cells).toHaveLength(5 * 3 * GRID_PERMS.length);
    expect(cells).toEqual(grid(src.policy, src.index));
    expect(cells.filter((c) => c.endsWith("true")).length).toBeGreaterThan(0);
    expect(cells.filter((c) => c.endsWith("false")).length).toBeGreaterThan(0);
  });
});

/** An outline as its entries: each group's items (name and note), sorted (a source lists them in
 *  declaration order, a binary in value order). */
const entries = (i: PolicyIndex) => Object.fromEntries(i.outline.map((g) => [g.title, g.items.map((x) => `${x.name}${x.note ? ` (${x.note})` : ""}`).sort()]));
/** Each name's hover: its kind and lines, less what only a source can say (a binary keeps no neverallow). */
const hovers = (i: PolicyIndex) => Object.fromEntries([...i.symbols].map(([n, s]) => [n, [s.kind, ...s.detail.filter((d) => !d.includes("neverallow rule"))]]));
/** What each rule grants, merged by avtab key as the binary holds it. */
const grants = (i: PolicyIndex, classPerms: (c: string) => string[]) => mergeGrants(i.rules, classPerms).map((g) => grantText(g.grant)).sort();
const permsOf = (i: PolicyIndex) => (c: string) => i.symbols.get(c)!.detail[0]!.replace(/^permissions: /, "").replace(/ \(inherits .*\)$/, "").split(" ");

describe("a binary's listing: its outline and hover are its source's", () => {
  const compiled = (conf: string) => {
    const t = readFileSync(conf, "utf8");
    return { src: indexPolicy(parsePolicy(t, "policy.conf").ast), bin: binaryState(toBinary(t, { file: "policy.conf" }).bytes, "policy.bin") };
  };

  it("svp.conf and the svp.bin xsm compile writes: the same outline entries and hover facts", async () => {
    // (the binary the CLI writes, as the studio serves it)
    expect((await xsm("compile", join(examples, "svp.conf"), "-o", join(tmp, "svp.bin"))).code).toBe(0);
    const bin = binaryState(readFileSync(join(tmp, "svp.bin")), "svp.bin");
    const src = indexPolicy(parsePolicy(text, "svp.conf").ast);
    expect(bin.diagnostics).toEqual([]);
    expect(entries(bin.index!)).toEqual(entries(src));
    expect(Object.keys(entries(src))).toEqual(["Platforms", "Classes", "Permissions", "Types", "Attributes", "Roles", "Users", "Initial SIDs", "Ocontexts", "Rules"]);
    expect(entries(src)["Rules"]).toHaveLength(17);
    expect(entries(src)["Initial SIDs"]).toHaveLength(13);
    expect(hovers(bin.index!)).toEqual(hovers(src));
    const sidHovers = (i: PolicyIndex) => Object.fromEntries([...i.sids].map(([n, s]) => [n, s.detail]));
    expect(sidHovers(bin.index!)).toEqual(sidHovers(src));
    expect(bin.index!.sids.get("xen")!.detail).toEqual(["context: system_u:system_r:xen_t", "SID 2: checkpolicy -b names it dom0, seinfo domxen (their tables of Xen's SIDs are not Xen's)"]);
    expect(bin.index!.symbols.get("gvp1_pci_t")!.detail).toEqual(["device label of platform gvp1: 0000:03:10.0 0000:03:10.2 0000:04:10.0 0000:05:00.0", "attributes: gvp1_devices gvp1_managed_devices svp_managed_devices", "named by 0 rules"]);
    expect(bin.index!.symbols.get("svp_managed_devices")!.detail).toEqual(["members: gvp1_pci_t gvp2_pci_t svp_pci_t", "named by 2 rules"]);
    // what its rules grant: the source's rules' grants, merged by key, are the binary's lines
    expect(grants(bin.index!, permsOf(bin.index!))).toEqual(grants(src, permsOf(src)));
  });

  it("each entry of a binary's outline is the listing line that declares it", () => {
    const { bin } = compiled(join(examples, "svp.conf"));
    const lines = bin.listing!.split("\n");
    const at = (span: { line: number }) => lines[span.line - 1]!;
    const group = (title: string) => bin.index!.outline.find((g) => g.title === title)!.items;
    for (const i of group("Types")) expect(at(i.span)).toMatch(new RegExp(`^type ${i.name}[,;]`));
    for (const i of group("Attributes")) expect(at(i.span)).toBe(`attribute ${i.name};`);
    for (const i of group("Classes")) expect(at(i.span)).toMatch(new RegExp(`^class ${i.name} \\{`));
    for (const i of group("Roles")) expect(at(i.span)).toMatch(new RegExp(`^role ${i.name} types \\{`));
    for (const i of group("Users")) expect(at(i.span)).toMatch(new RegExp(`^user ${i.name} roles \\{`));
    for (const i of group("Initial SIDs")) expect(at(i.span)).toMatch(new RegExp(`^sid ${i.name} system_u:`));
    for (const i of group("Ocontexts")) expect(at(i.span)).toBe(`${i.name} ${i.note}`);
    for (const i of group("Rules")) expect(at(i.span)).toBe(i.name);
    expect(lines).toContain("type svp_hwdom_t, svp_managed_domains, svp_hwdoms, svp_platform_domain;");
    expect(lines).toContain("sid dom0 system_u:system_r:svp_hwdom_t");
    expect(lines).toContain("pcidevicecon 0x300 system_u:object_r:svp_pci_t");
    // a rule's hover: what its line grants
    const rule = bin.index!.rules.find((r) => at(r.span) === "allow svp_hwdoms svp_managed_devices:resource { stat_device add_device remove_device plug unplug setup };")!;
    expect(rule.grants.map(grantText)).toEqual([at(rule.span)]);
  });

  it("a source's outline leads to its statements: a rule to the first that makes the entry", () => {
    const { src } = compiled(join(examples, "svp.conf"));
    const rules = src.outline.find((g) => g.title === "Rules")!.items;
    const from = (name: string) => {
      const span = rules.find((i) => i.name === name)!.span;
      return text.slice(span.offset, span.offset + span.length);
    };
    expect(from("allow gvp2_hwdoms xen_t:xen { physinfo };")).toBe("allow { gvp1_hwdoms gvp2_hwdoms } xen_t:xen physinfo;");
    // a platform block's rules are the block's
    expect(from("allow gvp1_hwdoms gvp1_managed_devices:resource { stat_device add_device remove_device plug unplug setup };")).toMatch(/^platform gvp1 guest of svp \{/);
    const hwdoms = src.rules.filter((r) => r.span.offset === text.indexOf("allow { gvp1_hwdoms"));
    expect(hwdoms.flatMap((r) => r.grants.map(grantText))).toEqual(["allow gvp1_hwdoms xen_t:xen { physinfo };", "allow gvp2_hwdoms xen_t:xen { physinfo };"]);
  });

  it("examples/xen-flask's policy.conf and its binary: the same outline entries and hover facts (conditional rules by their condition)", () => {
    const { src, bin } = compiled(join(examples, "../xen-flask/policy.conf"));
    expect(entries(bin.index!)).toEqual(entries(src));
    expect(hovers(bin.index!)).toEqual(hovers(src));
    expect(entries(src)["Rules"]!.filter((r) => / \(if /.test(r)).length).toBeGreaterThan(0);
  });

  it("the random policies the oracle fixtures hold that Xen loads: the same rules and type, attribute, class and role hover", () => {
    const dir = join(import.meta.dirname, "../fixtures/oracle");
    let compared = 0;
    for (const f of readdirSync(dir).filter((x) => /^seed-\d+\.conf$/.test(x))) {
      const t = readFileSync(join(dir, f), "utf8");
      let bytes: Uint8Array;
      try {
        bytes = toBinary(t, { file: f }).bytes;
      } catch {
        continue; // (one Xen's loader refuses, or none it can write)
      }
      const bin = binaryState(bytes, "x.bin");
      if (!bin.index) continue;
      const src = indexPolicy(parsePolicy(t, f).ast);
      // (initial SIDs: a binary names them by number, as Xen does; these declare theirs in another
      // order. A rule's condition: checkpolicy merges two conditionals whose truth tables agree
      // position by position over booleans in a different order (cond_expr_equal), so the binary's
      // can differ from the source's; lower.ts models it, and the outline says what the binary holds)
      const bare = (i: PolicyIndex) => ({ ...entries(i), "Initial SIDs": undefined, Rules: entries(i)["Rules"]!.map((r) => r.replace(/ \(if .*\)$/, "")).sort() });
      expect(bare(bin.index), f).toEqual(bare(src));
      const kinds = (i: PolicyIndex) => Object.fromEntries(Object.entries(hovers(i)).filter(([, [k]]) => ["type", "attribute", "class", "role", "user", "bool", "alias", "common"].includes(k!)));
      expect(kinds(bin.index), f).toEqual(kinds(src));
      // (enough of them to meet sets, aliases, self, conditionals and dontaudit, in a few seconds)
      if (++compared === 30) break;
    }
    expect(compared).toBe(30);
  });
});

describe("a binary's initial SIDs: numbers only, named as Xen reads them, with checkpolicy -b's and seinfo's names in the hover", () => {
  // (what the tools print for the committed binaries, checkpolicy's own: test/oracle/initial-sid-names.test.ts)
  const dir = join(import.meta.dirname, "../fixtures/binary/initial-sids");
  const sidHovers = (i: PolicyIndex) =>
    [...i.sids.values()]
      .filter((s) => s.detail[0]!.startsWith("context: "))
      .map((s) => {
        const m = /^SID (\d+): checkpolicy -b names it (\S+?)(?:, seinfo (\S+) |; seinfo fails)/.exec(s.detail[1] ?? "");
        if (!m) throw new Error(`${s.name}: ${s.detail.join(" | ")}`);
        return { name: s.name, sid: Number(m[1]), checkpolicy: m[2]!, seinfo: m[3], context: s.detail[0]!.slice("context: ".length) };
      })
      .sort((a, b) => a.sid - b.sid);

  it.each(["xen", "missing", "order", "unlabeled"])("%s: checkpolicy -b's `sid NAME CONTEXT` lines and seinfo's are the hover's, SID by SID; the source's hover says the same", (name) => {
    const bin = binaryState(readFileSync(join(dir, `${name}.bin`)), `${name}.bin`);
    const sids = sidHovers(bin.index!);
    // checkpolicy -b lists them by number
    expect(sids.map((s) => `sid ${s.checkpolicy} ${s.context}`)).toEqual(readFileSync(join(dir, `${name}.checkpolicy-b.txt`), "utf8").trimEnd().split("\n"));
    // seinfo sorts them by name, or fails on a number past its table
    const seinfo = readFileSync(join(dir, `${name}.seinfo.txt`), "utf8");
    if (sids.every((s) => s.seinfo !== undefined)) {
      expect(seinfo.split("\n").filter((l) => l.startsWith("   sid ")).map((l) => l.trim())).toEqual(sids.map((s) => `sid ${s.seinfo} ${s.context}`).sort());
    } else expect(seinfo.trim()).toBe("tuple index out of range");
    // the listing names them as Xen's hooks read the numbers (xen/xsm/flask/policy/initial_sids)
    expect(sids.map((s) => s.name)).toEqual(sids.map((s) => XEN_INITIAL_SIDS[s.sid - 1]));
    // a source numbers them by declaration, as checkpolicy does: the same readings under its own names
    const src = indexPolicy(parsePolicy(readFileSync(join(dir, `${name}.conf`), "utf8"), `${name}.conf`).ast);
    expect(sidHovers(src).map(({ name: _n, ...rest }) => rest)).toEqual(sids.map(({ name: _n, ...rest }) => rest));
  });

  it("Xen's own 13 in its order: xenboot is checkpolicy -b's xen, domDM its UNKNOWN13", () => {
    const sids = sidHovers(binaryState(readFileSync(join(dir, "xen.bin")), "xen.bin").index!);
    const checkpolicy = ["xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device", "domU", "domDM", "UNKNOWN13"];
    expect(sids.map((s) => `${s.name} ${s.checkpolicy}`)).toEqual(XEN_INITIAL_SIDS.map((x, i) => `${x} ${checkpolicy[i]}`));
    expect(sids.find((s) => s.name === "domDM")!.seinfo).toBeUndefined();
  });
});

describe("a binary the page loads", () => {
  it("without SVP platforms: its names, and no platform for the grid", () => {
    const plain = readFileSync(join(import.meta.dirname, "../fixtures/role-dominance/plain.conf"), "utf8");
    const state = binaryState(toBinary(plain).bytes, "plain.bin");
    expect(state.policy).toBeDefined();
    expect(state.index!.platforms).toEqual([]);
    expect(state.index!.symbols.size).toBeGreaterThan(0);
  });

  it("whose platform nesting is not all in it: the index says which platform, for the grid to show", () => {
    const spare = `${text}\nplatform spare guest of gvp1 {\n}\n`;
    const state = binaryState(toBinary(spare, { file: "spare.conf" }).bytes, "spare.bin");
    expect(state.index!.platforms.find((p) => p.name === "spare")).toMatchObject({ level: "supervisor" });
    expect(state.index!.platformNote).toContain("where platform spare nests is not among them");
    expect(binaryState(toBinary(text, { file: "svp.conf" }).bytes, "svp.bin").index!.platformNote).toBeUndefined();
  });

  it("that Xen's loader refuses: the error, no policy", () => {
    const state = binaryState(Uint8Array.from([0x8c, 0xff, 0x7c, 0xf9, 1, 2, 3]), "cut.bin");
    expect(state.policy).toBeUndefined();
    expect(state.diagnostics.map((d) => [d.severity, d.code])).toEqual([["error", "binary-format"]]);
  });
});
