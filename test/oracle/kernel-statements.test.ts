// Live: checkpolicy 3.4 on the typebounds / role_transition / default fixtures says what the
// committed verdicts and binaries say, and our compile agrees with it (accept or refuse, bytes).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { repoRoot } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/kernel-statements");
const out = mkdtempSync(join(tmpdir(), "xsm-oracle-kernel-"));
const committed = JSON.parse(readFileSync(join(dir, "checkpolicy-accepts.json"), "utf8")) as Record<string, boolean>;

describe("kernel statements, live against checkpolicy", () => {
  it.each(readdirSync(dir).filter((f) => f.endsWith(".conf")))("%s", (name) => {
    const bin = join(out, `${name}.bin`);
    let accepted = true;
    try {
      execFileSync("checkpolicy", ["-t", "Xen", "-c", "30", join(dir, name), "-o", bin], { stdio: "pipe" });
    } catch {
      accepted = false;
    }
    expect(accepted).toBe(committed[name]);
    let ours: Uint8Array | undefined;
    try {
      ours = compileBinary(readFileSync(join(dir, name), "utf8"), { file: name }).bytes;
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
    }
    expect(ours !== undefined).toBe(accepted);
    if (ours) expect(Buffer.compare(ours, readFileSync(bin))).toBe(0);
  });
});
