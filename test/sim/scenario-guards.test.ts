// The scenario inputs an outside fuzzing campaign crashed or stalled xsm with (exit 70, a FIFO
// waited on forever, quadratic error reporting, a 20 MB value echoed into stderr), each kept as a
// regression test: every one is now a located error, in bounded time.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenario, parseScenario } from "../../src/sim/load.js";
import { prepare, runPrepared } from "../../src/sim/run.js";
import { renderInline } from "../../src/diagnostics/render.js";
import { MAX_REPORTED_ERRORS, MAX_SCENARIO_DEPTH } from "../../src/sim/validate.js";
import { cpuTimed } from "../cpu.js";

const examples = join(import.meta.dirname, "../../examples/svp");
let dir: string;

const DOMAINS = [
  { name: "svp-hwdom", domid: 0, context: "system_u:system_r:svp_hwdom_t", control: true, hardware: true },
  { name: "gvp1-guest", domid: 2, context: "gvp1_u:vm_r:gvp1_guest_t" },
];

function scenario(patch: Record<string, unknown> = {}) {
  return { name: "t", policy: "svp.conf", xsm: "flask", domains: DOMAINS, steps: [{ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" }], ...patch };
}

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Loads and prepares as `xsm simulate` does; the messages of the first failure. */
function refusal(file: string): string[] {
  const loaded = loadScenario(file);
  if (!loaded.ok) return loaded.error.map((e) => `${e.code} ${e.path}: ${e.message}`);
  const prepared = prepare(loaded.value);
  if (!prepared.ok) return prepared.error.map((e) => `${e.code} ${e.path}: ${e.message}`);
  return [];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xsm-scenario-guards-"));
  copyFileSync(join(examples, "svp.conf"), join(dir, "svp.conf"));
  writeFileSync(join(dir, "empty.conf"), "");
  // a binary policy cut short: its diagnostics name the file and the offset
  writeFileSync(join(dir, "cut.bin"), readFileSync(join(import.meta.dirname, "../fixtures/binary/hand-made/constrain-zero.bin")).subarray(0, 100));
  mkdirSync(join(dir, "policies"));
  execFileSync("mkfifo", [join(dir, "fifo.conf")]);
  execFileSync("mkfifo", [join(dir, "fifo.json")]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scenario inputs that crashed or stalled xsm", () => {
  it("the example scenario still loads and prepares", () => {
    expect(refusal(write("ok.json", JSON.stringify(scenario())))).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ["a policy that names a directory", scenario({ policy: "policies" }), /\/policy: cannot read policy policies: is a directory/],
    ["a policy that is an empty file", scenario({ policy: "empty.conf" }), /\/policy: cannot read policy empty.conf: file is empty/],
    ["a policy that is a FIFO", scenario({ policy: "fifo.conf" }), /\/policy: cannot read policy fifo.conf: not a regular file \(a FIFO\)/],
    ["a binary policy cut short", scenario({ policy: "cut.bin" }), /\/policy: cannot load: cut\.bin: offset \d+ \(0x[0-9a-f]+\): \S/],
  ])("%s is a located error", (_what, doc, message) => {
    const errors = refusal(write("p.json", JSON.stringify(doc)));
    expect(errors.join("\n")).toMatch(message);
  });

  it.each([
    ["a directory", "policies"],
    ["an empty file", "empty.conf"],
    ["a FIFO", "fifo.conf"],
    ["a binary policy cut short", "cut.bin"],
  ])("a load_policy step naming %s fails at run time as a load, not a crash", (_what, policy) => {
    const doc = scenario({ steps: [{ as: "svp-hwdom", op: "load_policy", policy }] });
    const loaded = loadScenario(write("lp.json", JSON.stringify(doc)));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const prepared = prepare(loaded.value);
    expect(prepared.ok).toBe(true);
    if (!prepared.ok) return;
    const load = prepared.value.loads.get(0)!;
    expect(load.policy).toBeUndefined();
    // (the reader's refusal names the policy; a binary's diagnostic, its file and offset)
    expect(renderInline(load.diagnostics[0]!)).toMatch(new RegExp(`cannot read policy ${policy}|^${policy}: offset \\d+ \\(0x[0-9a-f]+\\): \\S`));
    // the step's log line names the file once: the diagnostic's own words or place say it
    const log = runPrepared(prepared.value).steps[0]!.log.join("\n");
    expect(log).toMatch(new RegExp(`^flask: (cannot read policy ${policy}|${policy}: offset \\d+ \\(0x[0-9a-f]+\\)): \\S`));
    expect(log).not.toContain(`${policy}: ${policy}`);
  });

  it("a scenario file that is a FIFO, a directory, a device or empty is refused without reading it", () => {
    expect(refusal(join(dir, "fifo.json"))[0]).toMatch(/cannot read scenario: not a regular file \(a FIFO\)/);
    expect(refusal(join(dir, "policies"))[0]).toMatch(/cannot read scenario: is a directory/);
    expect(refusal("/dev/zero")[0]).toMatch(/cannot read scenario: not a regular file \(a device\)/);
    expect(refusal(write("empty.json", ""))[0]).toMatch(/cannot read scenario: file is empty/);
  });

  it("a scenario that is not UTF-8 or holds a NUL byte is refused", () => {
    expect(refusal(write("latin1.json", Buffer.from('{"name": "caf\xe9"}', "latin1")))[0]).toMatch(/not valid UTF-8/);
    expect(refusal(write("nul.json", Buffer.from('{"name": "a\0"}')))[0]).toMatch(/NUL byte at offset 11/);
  });

  it("a byte-order mark at the start is skipped", () => {
    expect(refusal(write("bom.json", "\ufeff" + JSON.stringify(scenario())))).toEqual([]);
  });

  it.each([
    ["arrays", (n: number) => "[".repeat(n) + "1" + "]".repeat(n)],
    ["objects", (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n)],
  ])("JSON %s nested 100,000 deep are a limit error, not a stack overflow", (_what, nest) => {
    const doc = JSON.stringify(scenario({ steps: "DEEP" })).replace('"DEEP"', nest(100_000));
    const errors = refusal(write("deep.json", doc));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^scenario-limit /steps(/0|/a){${MAX_SCENARIO_DEPTH - 1}}: nested deeper than ${MAX_SCENARIO_DEPTH} levels`));
  });

  it("broken JSON nested 100,000 deep is a syntax error with its place", () => {
    const errors = refusal(write("deep-broken.json", "[".repeat(100_000)));
    expect(errors[0]).toMatch(/not JSON: nested deeper than 512 levels/);
  });

  it("100,000 invalid steps are reported in linear time, the first ones listed and the rest counted", () => {
    const steps = Array.from({ length: 100_000 }, (_, i) => ({ op: "nope", as: i }));
    const [errors, ms] = cpuTimed(() => refusal(write("many.json", JSON.stringify(scenario({ steps })))));
    expect(ms).toBeLessThan(20_000);
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors[0]).toMatch(/^scenario-schema \/steps\/0\//);
    expect(errors.at(-1)).toMatch(/^scenario-limit : \.\.\. and \d+ more errors/);
  }, 60_000);

  it("invalid steps past the first slice keep their own index", () => {
    const steps = [...Array.from({ length: 1200 }, () => ({ as: "svp-hwdom", op: "pci_add_device", sbdf: "0000:03:00.0" })), { as: "svp-hwdom", op: "nope", sbdf: "0000:03:00.0" }];
    const errors = refusal(write("late.json", JSON.stringify(scenario({ steps }))));
    expect(errors.join("\n")).toMatch(/\/steps\/1200\/op: expected one of/);
  });

  it("a 20 MB value is cut in the message, not echoed whole", () => {
    // past the file limit as a file; the library takes the parsed document as it is
    const huge = "x".repeat(20 * 1024 * 1024);
    const doc = scenario({ strategy: huge, domains: [...DOMAINS, { ...DOMAINS[1], name: huge, domid: 3 }], steps: [{ as: huge.replace(/x/g, "y"), op: "pci_add_device", sbdf: "0000:03:00.0" }] });
    const r = parseScenario(doc, join(dir, "huge.json"));
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.error.map((e) => `${e.path}: ${e.message}`);
    for (const e of errors) expect(e.length).toBeLessThan(2000);
    expect(errors.join("\n")).toMatch(/\/strategy: expected one of .*; got "x{79}\.\.\. \(20971522 characters\)/);
    expect(errors.join("\n")).toMatch(/\/steps\/0\/as: unknown domain "y{79}\.\.\. \(20971522 characters\); expected one of svp-hwdom, gvp1-guest, x{40}\.\.\./);
  });
});
