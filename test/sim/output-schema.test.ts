// The --json document is what src/sim/output.schema.json says it is: every example scenario, alone
// and under --compare and --compare-xen, validates against it (so the schema is kept up to date with the output).
import { readdirSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { xsm } from "../cli/run.js";

const schema = JSON.parse(readFileSync("src/sim/output.schema.json", "utf8"));
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);
const examples = [...readdirSync("examples/svp").filter((f) => f.endsWith(".json")).sort().map((f) => `examples/svp/${f}`), "examples/xen-flask/passthrough.json", "examples/xen-flask/interrupts.json", "examples/xen-flask/pvh-dom0-4.19.json"];

function valid(doc: unknown): string {
  return validate(doc) ? "" : JSON.stringify(validate.errors?.slice(0, 5), null, 1);
}

describe("xsm simulate --json follows src/sim/output.schema.json", () => {
  it.each(examples)("%s", async (file) => {
    const one = await xsm("simulate", file, "--json");
    expect(valid(JSON.parse(one.stdout))).toBe("");
    const all = await xsm("simulate", file, "--json", "--compare");
    expect(valid(JSON.parse(all.stdout))).toBe("");
    const releases = await xsm("simulate", file, "--json", "--compare-xen");
    expect(valid(JSON.parse(releases.stdout))).toBe("");
  });

  it("a document missing a required field is refused (the schema is not vacuous)", async () => {
    const doc = JSON.parse((await xsm("simulate", "examples/svp/nested-trust.json", "--json")).stdout);
    delete doc.steps[0].rc;
    expect(valid(doc)).not.toBe("");
  });
});
