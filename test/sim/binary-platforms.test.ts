// A scenario whose policy is the binary `xsm compile -o` makes of examples/svp/svp.conf runs as the
// one naming the source: the same platforms (rebuilt from the attributes the blocks compiled to,
// src/sim/platforms.ts), topology, notes, trace and outcome. What must differ: a reason's rule is a
// line of the binary's listing (`allow gvp1_hwdoms gvp1_managed_devices:resource ...`) where the
// source names its platform block; and under a denial no rule grants, the rules near it (named so)
// and audit2allow's proposal, which on the source is checked against its neverallows and on a
// binary, which keeps none, is not.
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toBinary } from "../../src/binary/compile.js";
import { loadScenario } from "../../src/sim/load.js";
import { renderDot, renderTrace, runTopology, toJson } from "../../src/sim/report.js";
import { runPrepared } from "../../src/sim/run.js";
import { prepared, scratchDir } from "./support.js";

const examples = join(import.meta.dirname, "../../examples/svp");
const dir = scratchDir("xsm-binary-platforms-");
copyFileSync(join(examples, "svp.conf"), join(dir, "svp.conf"));
writeFileSync(join(dir, "svp.bin"), toBinary(readFileSync(join(examples, "svp.conf"), "utf8"), { file: "svp.conf" }).bytes);

/** A reason's rule without its place (the binary's is a line of its listing), and no near rules. */
const placeless = (r: ReturnType<typeof runPrepared>) =>
  JSON.parse(JSON.stringify(toJson(r), (k, v) => (k === "rule" || k === "nearest" ? undefined : k === "text" && typeof v === "string" && /^granted by /.test(v) ? "granted by" : v)));

/** The trace's text without the lines under "no allow rule grants it" (deeper than the reason). */
const nearless = (trace: string) => {
  const out: string[] = [];
  let depth = -1;
  for (const line of trace.split("\n")) {
    const indent = line.length - line.trimStart().length;
    if (depth >= 0 && indent > depth) continue;
    depth = /^\s*why\s+no allow rule grants it$/.test(line) ? indent : -1;
    out.push(line);
  }
  return out.join("\n");
};

const scenarios = readdirSync(examples).filter((f) => f.endsWith(".json") && JSON.parse(readFileSync(join(examples, f), "utf8")).policy === "svp.conf");

describe("a scenario on svp.conf's binary runs as on svp.conf", () => {
  it("covers the examples naming svp.conf", () => expect(scenarios.length).toBeGreaterThanOrEqual(8));

  for (const file of scenarios) {
    it(file, () => {
      const data = JSON.parse(readFileSync(join(examples, file), "utf8"));
      writeFileSync(join(dir, file), JSON.stringify(data));
      writeFileSync(join(dir, `bin-${file}`), JSON.stringify({ ...data, policy: "svp.bin" }));
      const src = prepared(loadScenario(join(dir, file)));
      const bin = prepared(loadScenario(join(dir, `bin-${file}`)));
      expect(bin.platforms).toEqual(src.platforms);
      expect(bin.platforms.length).toBe(3);
      expect(bin.platformNote).toBeUndefined();
      const [rs, rb] = [runPrepared(src), runPrepared(bin)];
      expect(rb.notes).toEqual(rs.notes);
      expect(runTopology(rb, bin)).toEqual(runTopology(rs, src));
      expect(renderDot(rb, bin)).toBe(renderDot(rs, src));
      expect(nearless(renderTrace(rb, bin.scenario))).toBe(nearless(renderTrace(rs, src.scenario)));
      expect(placeless(rb)).toEqual(placeless(rs));
    });
  }
});

describe("a binary that cannot hold a platform's place says so", () => {
  it("notes the platform in every run, and draws it outside the others", () => {
    const text = readFileSync(join(examples, "svp.conf"), "utf8").replace("# The supervisor's hardware domain runs the machine.", "platform spare guest of gvp1 {\n}\n");
    writeFileSync(join(dir, "spare.bin"), toBinary(text, { file: "spare.conf" }).bytes);
    const data = JSON.parse(readFileSync(join(examples, "nested-trust.json"), "utf8"));
    writeFileSync(join(dir, "spare.json"), JSON.stringify({ ...data, policy: "spare.bin" }));
    const p = prepared(loadScenario(join(dir, "spare.json")));
    expect(p.platforms.find((x) => x.name === "spare")).toMatchObject({ level: "supervisor", parent: null });
    expect(p.platformNote).toContain("where platform spare nests is not among them");
    const r = runPrepared(p);
    expect(r.notes).toContain(p.platformNote);
    expect(renderTrace(r, p.scenario)).toContain("note: a binary policy keeps no platform blocks");
  });
});
