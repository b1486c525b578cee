// xsm flow's own additions and its errors (its seinfoflow output is test/analysis/flow.test.ts).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { readFileSync } from "node:fs";
import { STACK_LINE, xsm } from "./run.js";

const SVP = "examples/svp/svp.conf";
const FLASK = "examples/xen-flask/policy.conf";

describe("xsm flow", () => {
  it("uses the Xen map by default and says nothing on stderr when it covers the policy", async () => {
    const r = await xsm("flow", FLASK, "-s", "domU_t", "-t", "dom0_t", "-S");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("Flow 1:\n  Step 1: domU_t -> dom0_t\n\n\n1 information flow(s) found.\n");
  });

  it("takes a platform's name (its domains and devices) and attributes for -s and -t", async () => {
    const r = await xsm("flow", SVP, "-s", "gvp1", "-t", "svp_devices", "-S");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual(["# platform gvp1: gvp1_guest_t gvp1_hwdom_t gvp1_pci_t", "# attribute svp_devices: svp_pci_t"]);
    expect(r.stdout).toContain("Flow 1:\n  Step 1: gvp1_guest_t -> svp_hwdom_t\n  Step 2: svp_hwdom_t -> svp_pci_t\n");
    expect(r.stdout).toMatch(/\n4 information flow\(s\) found\.\n$/);
    // excluding the supervisor's hardware domain cuts every path
    const cut = await xsm("flow", SVP, "-s", "gvp1", "-t", "svp_devices", "-S", "svp_hwdom_t");
    expect(cut.stdout).toMatch(/\n0 information flow\(s\) found\.\n$/);
  });

  it("--origins puts the source rules under each rule, a platform's generated ones at its block", async () => {
    const r = await xsm("flow", SVP, "-s", "gvp1_guest_t", "-t", "svp_pci_t", "-S", "--origins");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("    allow svp_hwdoms svp_managed_domains:domain { create destroy getdomaininfo };\n        examples/svp/svp.conf:66: allow svp_hwdoms svp_managed_domains:domain { create destroy getdomaininfo };\n");
    expect(r.stdout).toContain("        examples/svp/svp.conf:45: platform svp supervisor");
  });

  it("--json: every step's weight and rules with their read/write weights and origins", async () => {
    const r = await xsm("flow", SVP, "-s", "gvp1_guest_t", "-t", "svp_pci_t", "-S", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ policy: SVP, map: "xen.permmap", mode: "shortest", minWeight: 3, booleans: null, count: 1, limited: false, unmapped: [] });
    expect(doc.source).toEqual({ name: "gvp1_guest_t", kind: "type", types: ["gvp1_guest_t"] });
    expect(doc.flows[0].steps.map((s: { source: string; target: string; weight: number }) => [s.source, s.target, s.weight])).toEqual([
      ["gvp1_guest_t", "svp_hwdom_t", 3],
      ["svp_hwdom_t", "svp_pci_t", 9],
    ]);
    expect(doc.flows[0].steps[0].rules[0]).toEqual({
      rule: "allow svp_hwdoms svp_managed_domains:domain { create destroy getdomaininfo };",
      read: 3,
      write: 5,
      origins: [{ file: SVP, line: 66, text: "allow svp_hwdoms svp_managed_domains:domain { create destroy getdomaininfo };" }],
    });
  });

  it("reads a binary policy as the same policy (no origins)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-flow-"));
    const bin = join(dir, "flask.bin");
    writeFileSync(bin, compileBinary(readFileSync(FLASK, "utf8"), { file: FLASK }).bytes);
    for (const args of [["-s", "dom0_t", "--full", "--stats"], ["-s", "domU_t", "-t", "xen_t", "-A", "3", "-w", "1"]]) {
      const a = await xsm("flow", FLASK, ...args);
      const b = await xsm("flow", bin, ...args);
      expect(b.stdout).toBe(a.stdout);
    }
    const o = await xsm("flow", bin, "-s", "dom0_t", "--origins");
    expect(o.stderr).toContain("is a binary policy: its rules have no source lines");
  });

  it("warns (stderr only) when the map leaves the policy's permissions unmapped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-flow-"));
    const map = join(dir, "small.permmap");
    writeFileSync(map, "1\nclass domain 1\n getdomaininfo r 5\n");
    const r = await xsm("flow", SVP, "-s", "gvp1_guest_t", "-m", map);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^xsm: warning: .*small\.permmap leaves \d+ permissions of the policy unmapped \(no flow through them\): xen:physinfo, /);
    expect(r.stdout).toBe("Flow 1: gvp1_guest_t -> svp_hwdom_t\nFlow 2: gvp1_guest_t -> gvp1_hwdom_t\n\n2 information flow(s) found.\n");
  });

  const errors: [string, string[], number, RegExp][] = [
    ["unknown source", ["-s", "gvp1_pci"], 1, /^xsm: error: -s: unknown type, attribute or platform 'gvp1_pci' \(did you mean 'gvp1_pci_t'\?\)\n$/],
    ["unknown target", ["-s", "gvp1", "-t", "svp_device", "-S"], 1, /-t: unknown type, attribute or platform 'svp_device' \(did you mean 'svp_devices'\?\)/],
    ["unknown excluded", ["-s", "gvp1", "nope_t"], 1, /excluded type: unknown type, attribute or platform 'nope_t'/],
    ["unknown boolean", ["-s", "gvp1", "-b", "nope:true"], 1, /-b: unknown boolean 'nope'/],
    ["bad boolean value", ["-s", "gvp1", "-b", "x:yes"], 2, /-b: a boolean's value is true or false, got 'yes' for x/],
    ["bad boolean form", ["-s", "gvp1", "-b", "x"], 2, /-b: expected 'default' or NAME:true,NAME:false/],
    ["target without path", ["-s", "gvp1", "-t", "svp"], 2, /-t is for a path analysis/],
    ["path without target", ["-s", "gvp1", "-S"], 2, /needs a target type \(-t\)/],
    ["weight range", ["-s", "gvp1", "-w", "11"], 2, /-w: the minimum weight is an integer 1-10, got '11'/],
    ["all paths zero", ["-s", "gvp1", "-t", "svp", "-A", "0"], 2, /-A: the maximum number of steps must be positive/],
    ["negative limit", ["-s", "gvp1", "-l", "-1"], 2, /-l: the limit on flows cannot be negative/],
    ["not a number", ["-s", "gvp1", "-w", "three"], 2, /-w: expected an integer, got 'three'/],
  ];
  for (const [name, args, code, message] of errors) {
    it(`refuses: ${name}`, async () => {
      const r = await xsm("flow", SVP, ...args);
      expect(r.code).toBe(code);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(STACK_LINE);
    });
  }

  it("locates a bad map at file:line:col with the line and a caret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-flow-"));
    const map = join(dir, "bad.permmap");
    writeFileSync(map, "1\nclass domain 2\n  getdomaininfo r 5\n  create x 3\n");
    const r = await xsm("flow", SVP, "-s", "gvp1", "-m", map);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${map}:4:10: error: invalid information flow direction 'x' for domain:create: one of r, w, b, n, u\n  create x 3\n         ^\n1 error\n`);
  });

  it("a missing map file or policy is a plain error", async () => {
    const r = await xsm("flow", SVP, "-s", "gvp1", "-m", "/nonexistent.permmap");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^xsm: error: .*nonexistent\.permmap/);
    const p = await xsm("flow", "/nonexistent.conf", "-s", "x");
    expect(p.code).toBe(1);
    expect(p.stderr).not.toMatch(STACK_LINE);
  });
});
