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
import { EXPANDED, indexPolicy, type PolicyIndex } from "../../src/studio/page/symbols.js";
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
/** What each rule grants under the condition the binary holds it (a source's `held` where its
 *  conditional was merged into another), merged by avtab key: the binary's lines. */
const heldGrants = (i: PolicyIndex) =>
  mergeGrants(i.rules.map((r) => (r.held ? { ...r, grants: r.grants.map((g) => ({ ...g, when: r.held })) } : r)), permsOf(i))
    .map((g) => `${grantText(g.grant)}${g.grant.when !== undefined ? ` (if ${g.grant.when})` : ""}`)
    .sort();
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
    for (const i of group("Ocontexts")) expect(at(i.span)).toBe(`${i.name} ${i.title}`);
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
      // order. A rule's condition: the source's outline says the source's, the binary's what it
      // holds, which differ where checkpolicy merged two conditionals (cond_expr_equal): a source's
      // rule says that one too, its `held`, and under it the source's grants are the binary's)
      const bare = (i: PolicyIndex) => ({ ...entries(i), "Initial SIDs": undefined, Rules: undefined });
      expect(bare(bin.index), f).toEqual(bare(src));
      expect(heldGrants(bin.index), f).toEqual(heldGrants(src));
      const kinds = (i: PolicyIndex) => Object.fromEntries(Object.entries(hovers(i)).filter(([, [k]]) => ["type", "attribute", "class", "role", "user", "bool", "alias", "common"].includes(k!)));
      expect(kinds(bin.index), f).toEqual(kinds(src));
      // (enough of them to meet sets, aliases, self, conditionals and dontaudit, in a few seconds)
      if (++compared === 30) break;
    }
    expect(compared).toBe(30);
  });
});

describe("where a source's hover and its binary's part: each difference is what the binary does not keep, and the source's hover says so", () => {
  const fixtures = join(import.meta.dirname, "../fixtures");
  const pair = (file: string) => {
    const t = readFileSync(join(fixtures, file), "utf8");
    const built = toBinary(t, { file });
    const bin = binaryState(built.bytes, "x.bin");
    // a role dominating a role attribute: the binary names the attribute's value, which no role
    // record has (the source's role-dominates-attribute, the binary's binary-unknown-value)
    const dominated = built.warnings.some((w) => w.code === "role-dominates-attribute");
    expect(bin.diagnostics.map((d) => [d.severity, d.code, /dominates names role value/.test(d.message)]), file).toEqual(dominated ? [["warning", "binary-unknown-value", true]] : []);
    return { src: indexPolicy(parsePolicy(t, file).ast), bin: bin.index! };
  };
  const hover = (i: PolicyIndex, name: string) => i.symbols.get(name)?.detail;

  it.each(["binary/edge/roleattr.conf", "binary/edge/t13.conf", "kernel-statements/roleattr-cycle.conf", "transition/roles.conf", "role-types/roleattr-nested.conf", "role-dominance/attrboth.conf"])(
    "%s: a role attribute is the source's alone (policydb_write writes none: expand gave its types to its roles); a user's roles are the binary's, the source's as written beside them",
    (file) => {
      const { src, bin } = pair(file);
      const attrs = [...src.symbols.values()].filter((s) => s.detail.some((d) => d.startsWith("role attribute of roles: "))).map((s) => s.name);
      expect(attrs.length, file).toBeGreaterThan(0);
      for (const a of attrs) {
        expect(hover(bin, a), `${file} ${a}`).toBeUndefined();
        expect(hover(src, a)!.at(-1)).toMatch(/^not in a binary: checkpolicy gives its types to (those roles|no role) and writes no role attributes$/);
      }
      // the roles an attribute stands for have its types in the binary
      const roleTypes = (i: PolicyIndex, r: string) => hover(i, r)![0]!;
      for (const r of [...src.symbols.values()].filter((s) => s.kind === "role" && !attrs.includes(s.name))) expect(roleTypes(bin, r.name), `${file} ${r.name}`).toBe(roleTypes(src, r.name));
      for (const u of src.users) {
        expect(hover(bin, u.name), `${file} ${u.name}`).toEqual(hover(src, u.name)!.filter((d) => !d.startsWith("roles as written: ")));
      }
      const users = (i: PolicyIndex) => i.users.map((u) => `${u.name}: ${[...u.roles].sort().join(" ")}`);
      expect(users(bin)).toEqual(users(src));
      // all else alike
      const rest = (i: PolicyIndex) => Object.fromEntries([...i.symbols].filter(([n, s]) => !attrs.includes(n) && s.kind !== "user").map(([n, s]) => [n, s.detail.filter((d) => !d.includes("neverallow rule"))]));
      expect(rest(bin), file).toEqual(rest(src));
    },
  );

  it("binary/edge/roleattr.conf: a user naming a role attribute, as written and as the binary holds it", () => {
    const { src, bin } = pair("binary/edge/roleattr.conf");
    expect(hover(src, "guest_u")).toEqual(["roles: ra rb rc", "roles as written: guest_roles"]);
    expect(hover(bin, "guest_u")).toEqual(["roles: ra rb rc"]);
    expect(hover(src, "empty_roles")).toEqual(["types: d2_t", "role attribute of roles: none", "not in a binary: checkpolicy gives its types to no role and writes no role attributes"]);
  });

  it.each(["binary/edge/expandattr.conf", "sim/reload/attributes-expand.conf"])(
    "%s: an attribute expandattribute expands has the source's members; its binary keeps none (type_attr_map), and the source's hover says so",
    (file) => {
      const { src, bin } = pair(file);
      const expanded = [...src.symbols.values()].filter((s) => s.detail.includes(EXPANDED)).map((s) => s.name);
      expect(expanded.length, file).toBeGreaterThan(0);
      for (const a of expanded) {
        expect(hover(src, a)![0]).not.toBe("members: none");
        expect(hover(bin, a)).toEqual([`members: none`, ...hover(src, a)!.slice(1).filter((d) => d !== EXPANDED && !d.includes("neverallow rule"))]);
      }
      // a type's attributes: the source's, less those expanded (and, a binary's platforms being
      // rebuilt from attributes, its platform line: below)
      const typeLines = (i: PolicyIndex, keep: (d: string) => boolean) => Object.fromEntries([...i.symbols].filter(([, s]) => s.kind === "type").map(([n, s]) => [n, s.detail.filter(keep)]));
      const withoutExpanded = (d: string) => (d.startsWith("attributes: ") ? d.split(" ").filter((w) => !expanded.includes(w)).join(" ") : d);
      const noPlatform = (d: string) => !/ of platform /.test(d);
      expect(typeLines(bin, noPlatform)).toEqual(Object.fromEntries(Object.entries(typeLines(src, noPlatform)).map(([n, ds]) => [n, ds.map(withoutExpanded)])));
    },
  );

  it("a role only a dominance names (define_role_dom declares it): in the source's hover as in the binary's", () => {
    const { src, bin } = pair("role-dominance/undeclared.conf");
    expect(hover(src, "z")).toEqual(["types: none"]);
    expect(hover(bin, "z")).toEqual(hover(src, "z"));
    expect(entries(bin)["Roles"]).toEqual(entries(src)["Roles"]);
  });

  it("sim/svp-expanded.conf, the platform blocks desugared by hand: the binary's platforms are rebuilt from their attributes, as xsm simulate reads a binary; the source has none, as xsm simulate reads a source", () => {
    const { src, bin } = pair("sim/svp-expanded.conf");
    expect(src.platforms).toEqual([]);
    expect(bin.platforms.map((p) => p.name)).toEqual(["svp", "gvp1", "gvp2"]);
    const bare = (i: PolicyIndex) => Object.fromEntries([...i.symbols].filter(([, s]) => s.kind !== "platform").map(([n, s]) => [n, s.detail.filter((d) => !/ of platform /.test(d) && !d.includes("neverallow rule"))]));
    expect(bare(bin)).toEqual(bare(src));
  });

  it("binary/edge/t5.conf: a rule whose `if` checkpolicy merged into another's (cond_expr_equal) is under the source's condition in the source's view, the binary's in the binary's, and the source's rule names the one Xen decides by", () => {
    const { src, bin } = pair("binary/edge/t5.conf");
    const outlined = (i: PolicyIndex) => entries(i)["Rules"]!.filter((r) => r.startsWith("allow d1_t dom0_t:event"));
    expect(outlined(src)).toEqual(["allow d1_t dom0_t:event { e0 }; (if !b1 && b2)"]);
    expect(outlined(bin)).toEqual(["allow d1_t dom0_t:event { e0 }; (if b1 && !b2)"]);
    const rule = src.rules.find((r) => r.grants.some((g) => g.source === "d1_t"))!;
    expect(rule.grants.map((g) => g.when)).toEqual(["!b1 && b2"]);
    expect(rule.held).toBe("b1 && !b2");
    // (an `if` nothing was merged into keeps its own)
    expect(src.rules.find((r) => r.grants.some((g) => g.source === "xen_t" && g.tclass === "event"))!.held).toBeUndefined();
    // the decision, on the source as on the binary, is Xen's: under b1 && !b2
    const text = readFileSync(join(fixtures, "binary/edge/t5.conf"), "utf8");
    const run = compile(text, { file: "t5.conf" });
    if (!run.ok) throw new Error("t5.conf does not compile");
    const q = (bools: Record<string, boolean>): Question => ({ source: "system_u:system_r:d1_t", target: "system_u:system_r:dom0_t", tclass: "event", perm: "e0", bools });
    expect(answer(run.value.policy, src, q({ b1: true, b2: false })).decision.allowed).toBe(true);
    expect(answer(run.value.policy, src, q({ b1: false, b2: true })).decision.allowed).toBe(false);
    // t6: an `if` with the branches the other way round joins a node whose true list has its else
    const t6 = pair("binary/edge/t6.conf");
    expect(outlined(t6.src).length + entries(t6.src)["Rules"]!.filter((r) => r.startsWith("allow d2_t")).length).toBeGreaterThan(0);
    expect(heldGrants(t6.src)).toEqual(heldGrants(t6.bin));
    expect(heldGrants(src)).toEqual(heldGrants(bin));
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
