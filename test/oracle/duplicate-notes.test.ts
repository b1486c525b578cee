// test/fixtures/duplicates/checkpolicy.json re-checked live: checkpolicy rejects each file at the
// line and with the message recorded (test/policy/duplicate-notes.test.ts reads them).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dir = "test/fixtures/duplicates";
const recorded = JSON.parse(readFileSync(join(dir, "checkpolicy.json"), "utf8")) as { file: string; line: number; message: string }[];

describe("checkpolicy on the duplicate declarations", () => {
  for (const r of recorded) {
    it(`${r.file}: line ${r.line}, '${r.message}'`, () => {
      const run = spawnSync("checkpolicy", ["-t", "Xen", "-c", "30", "-o", "/dev/null", r.file], { cwd: dir, encoding: "utf8" });
      expect(run.status).not.toBe(0);
      const m = /:(\d+):ERROR '([^']*)/s.exec(run.stdout + run.stderr);
      expect(m && [Number(m[1]), m[2]!.trim()]).toEqual([r.line, r.message]);
    });
  }
});
