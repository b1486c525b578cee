// Several duplicate-name problems (and any others) come out in the order of the input, each
// duplicate naming where the first one is: a scenario's domains and devices (an SBDF given twice in
// any spelling), a test file's test names. The checks find them pass by pass, and printed them so
// (every duplicate name, then every unknown domain; every duplicate test, then every unknown type).
// Golden files: test/fixtures/cli/duplicates/.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inDocumentOrder } from "../../src/io/json.js";
import { STACK_LINE, xsm } from "./run.js";

const dir = "test/fixtures/cli/duplicates";

function expectGolden(name: string, argv: string[], r: { code: number; stdout: string; stderr: string }): void {
  const text = `$ xsm ${argv.join(" ")}\nexit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
  const file = join(dir, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);
  if (!existsSync(file)) expect.fail(`${file} is missing: run UPDATE_GOLDEN=1 npx vitest run test/cli/duplicate-order.test.ts`);
  expect(text).toBe(readFileSync(file, "utf8"));
}

describe("duplicates in the order of the input, each naming the first", () => {
  const CASES: Record<string, string[]> = {
    "simulate-scenario": ["simulate", `${dir}/scenario.json`],
    "test-scenario": ["test", `${dir}/scenario.json`],
    "test-names": ["test", `${dir}/names.tests.json`],
  };
  for (const [name, argv] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await xsm(...argv);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expectGolden(name, argv, r);
      // the JSON paths the lines name, in the document's order
      const paths = [...r.stderr.matchAll(/^\S+\.json: (\/\S+):/gm)].map((m) => m[1]!);
      const doc = JSON.parse(readFileSync(argv[1]!, "utf8")) as unknown;
      expect(paths).toEqual(inDocumentOrder(doc, paths.map((path) => ({ path }))).map((p) => p.path));
    });
  }
});

/** Every JSON pointer of `value`, its own first: the order a reader meets them in the text. */
function preorder(value: unknown, path = ""): string[] {
  const out = [path];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...preorder(v, `${path}/${i}`)));
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...preorder(v, `${path}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`));
  }
  return out;
}

describe("inDocumentOrder", () => {
  it("puts the paths of a document, shuffled, back in its order", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.infiniteStream(fc.nat()), (doc, seeds) => {
        const order = preorder(doc);
        const shuffled = order.map((path) => ({ path, key: seeds.next().value as number })).sort((a, b) => a.key - b.key);
        expect(inDocumentOrder(doc, shuffled).map((p) => p.path)).toEqual(order);
      }),
    );
  });

  it("keeps problems at one path in their order, and puts a missing property after its siblings", () => {
    const doc = { a: [{ x: 1, y: 2 }], b: 3 };
    const items = [{ path: "/b", n: 1 }, { path: "/a/0/z", n: 2 }, { path: "/a/0/x", n: 3 }, { path: "/a/0/x", n: 4 }, { path: "", n: 5 }];
    expect(inDocumentOrder(doc, items).map((p) => p.n)).toEqual([5, 3, 4, 2, 1]);
  });
});
