// `expandattribute A true`: checkpolicy 3.4 expands A in every rule (type_set_expand,
// TYPE_FLAGS_EXPAND_ATTR_TRUE) and keeps its membership nowhere in the binary (type_attr_map), so
// setools lists A's rules per type and A with no types. The source answers as checkpolicy's binary
// does: setools' answers on it are committed beside it (expandattr.setools.txt, expandattr.matrix.json
// from oracle-matrix); byte identity is in write.test.ts, checkpolicy -b's rewrite in read.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { loadBinary } from "../../src/binary/load.js";
import { xsm } from "../cli/run.js";

const dir = join(import.meta.dirname, "../fixtures/binary/edge");
const conf = join(dir, "expandattr.conf");
const bin = join(dir, "expandattr.bin");

/** The recorded setools outputs, by command line ("sesearch -A -s at expandattr.bin"). */
function recorded(): Map<string, string> {
  const out = new Map<string, string>();
  let head = "";
  for (const line of readFileSync(join(dir, "expandattr.setools.txt"), "utf8").split("\n")) {
    if (line.startsWith("# ")) out.set((head = line.slice(2)), "");
    else out.set(head, `${out.get(head)}${line}\n`);
  }
  return out;
}

// setools' title line names the file; the rest is compared as it is
const body = (s: string) => s.replace(/^\n?Statistics for policy file: .*\n/, "").trim();

describe("expandattribute true", () => {
  const want = recorded();

  it.each([
    ["-A", "-T", "--role_trans"],
    ["-A", "-s", "at"],
    ["-A", "-s", "at2"],
  ])("xsm search %s %s %s answers as sesearch on checkpolicy's binary, from the source and from the binary", async (...args: string[]) => {
    const expected = want.get(`sesearch ${args.join(" ")} expandattr.bin`)!;
    expect(expected).toBeDefined();
    for (const file of [conf, bin]) {
      const r = await xsm("search", file, ...args);
      expect(r.stdout, `${file}`).toBe(expected);
    }
  });

  it.each(["-x -a", "-x -t", ""])("xsm info %s answers as seinfo on checkpolicy's binary", async (options) => {
    const args = options ? options.split(" ") : [];
    const expected = want.get(`seinfo expandattr.bin${options ? ` ${options}` : ""}`)!;
    expect(expected).toBeDefined();
    for (const file of [conf, bin]) expect(body((await xsm("info", file, ...args)).stdout), `${file}`).toBe(body(expected));
  });

  it("the matrix oracle-matrix prints (7 allow entries, `at` with no types), from the source and from the binary", () => {
    const matrix = readFileSync(join(dir, "expandattr.matrix.json"), "utf8").trimEnd();
    expect(compileBinary(readFileSync(conf, "utf8"), { file: conf }).policy.matrixJson()).toBe(matrix);
    expect(loadBinary(new Uint8Array(readFileSync(bin)), "expandattr.bin").policy.matrixJson()).toBe(matrix);
  });
});
