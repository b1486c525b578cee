// Live: the fixtures of a reload where a type became an attribute (test/fixtures/sim/reload/
// attributes*.conf) are what checkpolicy and oracle-decide give today: the binaries
// test/xsm/reload-attribute.test.ts reads (an attribute's type_attr_map row, every decision between
// the converted SIDs against the source compile) and oracle-decide's answers (a context naming an
// attribute is refused, as Xen's security_context_to_sid refuses it). Needs checkpolicy and setools.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { repoRoot, runTool } from "./harness.js";

const dir = join(repoRoot, "test/fixtures/sim/reload");
const work = mkdtempSync(join(tmpdir(), "xsm-reload-attr-"));

describe("a type become an attribute, live against checkpolicy and oracle-decide", () => {
  it.each(["attributes", "attributes-expand"])("%s: checkpolicy writes the committed binary, as we do", async (name) => {
    const conf = join(dir, `${name}.conf`);
    const bin = join(work, `${name}.bin`);
    await new Promise<void>((done, fail) => execFile("checkpolicy", ["-t", "Xen", "-c", "30", conf, "-o", bin], (err) => (err ? fail(err) : done())));
    expect(Buffer.compare(readFileSync(bin), readFileSync(join(dir, `${name}.bin`)))).toBe(0);
    expect(Buffer.compare(compileBinary(readFileSync(conf, "utf8"), { file: conf }).bytes, readFileSync(bin))).toBe(0);
  });

  it("oracle-decide answers the committed queries as committed", async () => {
    const r = await runTool("oracle-decide", [join(dir, "attributes.conf"), join(dir, "attributes.queries.json")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(dir, "attributes.decisions.json"), "utf8"));
  });
});
