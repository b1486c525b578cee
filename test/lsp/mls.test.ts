// xsm lsp on an MLS policy.conf: with --mls (ServerOptions.mls, or initializationOptions
// {"mls": true}) it compiles as checkpolicy -M and publishes no error; without it, the one error
// that says to use -M; an MLS error is located at its line.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { inProcess, repoRoot } from "./client.js";

const path = join(repoRoot, "test/fixtures/mls/devices.conf");
const text = readFileSync(path, "utf8");
const uri = pathToFileURL(path).href;

describe("xsm lsp --mls", () => {
  it("an MLS policy compiles clean; an MLS error is at its line", async () => {
    const c = await inProcess({ debounceMs: 50, mls: true });
    try {
      const first = c.diagnostics(uri);
      await c.open(uri, text);
      expect((await first).diagnostics).toEqual([]);
      const lines = text.split("\n");
      const line = lines.findIndex((l) => l.startsWith("range_transition dom0_t nic_t:resource"));
      const broken = text.replace("range_transition dom0_t nic_t:resource s0 - s1:c0;", "range_transition dom0_t nic_t:resource s0 - s7:c0;");
      const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await c.change(uri, 2, broken);
      const d = (await got).diagnostics;
      expect(d.length).toBeGreaterThan(0);
      expect(d[0]!.range.start.line).toBe(line);
      expect(d[0]!.message).toMatch(/s7/);
    } finally {
      c.close();
    }
  });

  it("without it, the MLS policy is one error that says to use -M", async () => {
    const c = await inProcess({ debounceMs: 50 });
    try {
      const got = c.diagnostics(uri, (p) => p.diagnostics.length > 0);
      await c.open(uri, text);
      const d = (await got).diagnostics;
      expect(d).toHaveLength(1);
      expect(d[0]!.message).toMatch(/-M/);
    } finally {
      c.close();
    }
  });
});
