// The binary of every policy of the accept-set corpus checkpolicy accepts (declaration orders,
// permissive, policycap, tunable, expandattribute, attribute_role, filename transitions...) is
// checkpolicy's, byte for byte (sha256 of `checkpolicy -t Xen -c 30` in accept-set-sha256.json;
// regenerate with scripts/gen-binary-fixtures.sh).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";

const root = join(import.meta.dirname, "../..");
const manifest = JSON.parse(readFileSync(join(root, "test/fixtures/binary/accept-set-sha256.json"), "utf8")) as Record<string, { size: number; sha256: string }>;

it.each(Object.entries(manifest))("accept-set %s", (conf, want) => {
  const { bytes } = compileBinary(readFileSync(join(root, "test/fixtures/accept-set", conf), "utf8"), { file: conf });
  expect({ size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") }).toEqual(want);
});
