// Scenario inputs that used to crash `xsm simulate` (exit 70) or run without bound: each is now one
// clear error at a JSON path (or a step's error), and the CLI exits 1.
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { loadScenario } from "../../src/sim/load.js";
import { prepare } from "../../src/sim/run.js";
import { xsm } from "../cli/run.js";

const base = {
  name: "t",
  policy: "svp.conf",
  xsm: "flask",
  domains: [
    { name: "svp-hwdom", domid: 0, context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true },
    { name: "gvp1-guest", domid: 2, context: "gvp1_u:vm_r:gvp1_guest_t" },
  ],
  steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" }],
};

let dir: string;
const put = (name: string, content: string | Buffer) => {
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};
const json = (name: string, doc: unknown) => put(name, JSON.stringify(doc));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xsm-scenario-"));
  copyFileSync("examples/svp/svp.conf", join(dir, "svp.conf"));
  put("empty.conf", "");
  execFileSync("mkfifo", [join(dir, "fifo.conf")]);
});

/** Loads and prepares like `xsm simulate`: the errors, or [] when it would run. */
function problems(file: string): string[] {
  const loaded = loadScenario(file);
  if (!loaded.ok) return loaded.errors.map((e) => `${e.path}: ${e.message}`);
  const prepared = prepare(loaded);
  return prepared.ok ? [] : prepared.errors.map((e) => `${e.path}: ${e.message}`);
}

describe("scenario inputs that crashed or hung", () => {
  it("a policy that is a directory, empty, a FIFO or a device", () => {
    expect(problems(json("dir.json", { ...base, policy: "." }))).toEqual([expect.stringMatching(/^\/policy: .*is a directory/)]);
    expect(problems(json("empty.json", { ...base, policy: "empty.conf" }))).toEqual([expect.stringMatching(/^\/policy: .*empty/)]);
    expect(problems(json("fifo.json", { ...base, policy: "fifo.conf" }))).toEqual([expect.stringMatching(/^\/policy: .*FIFO/)]);
    expect(problems(json("zero.json", { ...base, policy: "/dev/zero" }))).toEqual([expect.stringMatching(/^\/policy: .*device/)]);
  });

  it("a load_policy step naming a directory or an empty file is that step's failure, not a crash", () => {
    for (const policy of [".", "empty.conf"]) {
      const file = json("load.json", { ...base, steps: [...base.steps, { as: "svp-hwdom", op: "load_policy", policy }] });
      const loaded = loadScenario(file);
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      const prepared = prepare(loaded);
      expect(prepared.ok).toBe(true);
      if (prepared.ok) expect(prepared.prepared.loads.get(1)?.diagnostics[0]?.message).toMatch(/cannot read policy/);
    }
  });

  it("JSON nested 100,000 deep", () => {
    expect(problems(put("deep.json", "[".repeat(100_000) + "]".repeat(100_000)))[0]).toMatch(/nested deeper than 64 levels/);
    expect(problems(put("deep-obj.json", '{"name":' + '{"a":'.repeat(50_000) + "1" + "}".repeat(50_001)))[0]).toMatch(/^\/name\/a\/a.*nested deeper/);
  });

  it("a byte-order mark is skipped; bytes that are not UTF-8 are one error", () => {
    expect(problems(put("bom.json", "\ufeff" + JSON.stringify(base)))).toEqual([]);
    expect(problems(put("latin.json", Buffer.from(JSON.stringify(base).replace('"t"', '"t\xe9"'), "latin1")))).toEqual([
      expect.stringMatching(/not valid UTF-8/),
    ]);
  });

  it("a file that is a directory, empty or a FIFO", () => {
    expect(problems(dir)[0]).toMatch(/is a directory/);
    expect(problems(join(dir, "empty.conf"))[0]).toMatch(/empty/);
    expect(problems(join(dir, "fifo.conf"))[0]).toMatch(/FIFO/);
  });

  it("a 20 MB bad value is not echoed whole", () => {
    const errors = problems(json("big.json", { ...base, steps: [{ as: "svp-hwdom", op: "x".repeat(20_000_000) }] }));
    expect(errors.join("\n").length).toBeLessThan(2000);
  });

  it("100,000 invalid steps: reported in linear time, the first 200 and a count", () => {
    const t = performance.now();
    const errors = problems(json("many.json", { ...base, steps: Array.from({ length: 100_000 }, (_, i) => ({ op: "nope", x: i })) }));
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(errors).toHaveLength(201);
    expect(errors[200]).toMatch(/and \d+ more errors/);
  });

  it("the CLI exits 1 with a message, never 70", async () => {
    for (const f of ["deep.json", "dir.json", "load.json", "fifo.json"]) {
      const r = await xsm("simulate", join(dir, f));
      expect(r.code, `${f}: ${r.stderr}`).not.toBe(70);
    }
  });
});
