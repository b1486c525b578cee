// `xsm studio policy.bin`, or a scenario naming a binary: the server hands the page the binary's
// bytes, and the page loads them as xsm simulate loads them into the same decisions and names as
// its source (src/studio/page/policy-state.ts, compiled-index.ts), so the explorer and the access
// grid answer a binary exactly as they answer the policy.conf it was compiled from. What the page
// does with the answer: test/browser/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBinary } from "../../src/binary/compile.js";
import { compile } from "../../src/policy/index.js";
import { parsePolicy } from "../../src/policy/parse.js";
import type { CompiledPolicy } from "../../src/policy/types.js";
import type { StudioManifest } from "../../src/studio/manifest.js";
import { GRID_PERMS } from "../../src/studio/page/access-grid.js";
import { domainContext, objectContext } from "../../src/studio/page/contexts.js";
import { answer, type Question } from "../../src/studio/page/decisions.js";
import { binaryState } from "../../src/studio/page/policy-state.js";
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
