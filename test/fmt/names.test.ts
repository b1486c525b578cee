// fmt puts one blank before a comment, after a `,` and around a brace (docs/fmt.md), but checkpolicy's
// scanner reads a path (`/` to a blank) and a quoted name (`"/..."`, `"name"`) as one token, every
// character its own: `/soc/a,b` laid out as `/soc/a, b` no longer parsed, `"/soc/a#b"` as
// `"/soc/a #b"` named another device, `"x  y"` as `"x y"` too. Inside them fmt changes nothing.
// test/fixtures/fmt/names/devicetree.conf is laid out as devicetree.fmt.conf; both compile to the
// same binary (xsm here; checkpolicy live in test/oracle/fmt.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { formatSource } from "../../src/fmt/format.js";

const dir = "test/fixtures/fmt/names";
const read = (file: string) => readFileSync(`${dir}/${file}`, "utf8");

describe("fmt keeps paths and quoted names as checkpolicy reads them", () => {
  it("devicetree.conf: laid out as committed, idempotently, to the same binary", () => {
    const formatted = formatSource(read("devicetree.conf"), "conf");
    expect(formatted).toBe(read("devicetree.fmt.conf"));
    expect(formatSource(formatted, "conf")).toBe(formatted);
    expect(formatted).not.toBe(read("devicetree.conf"));
    const binary = (text: string, file: string) => Buffer.from(compileBinary(text, { file }).bytes);
    expect(binary(formatted, "devicetree.fmt.conf").equals(binary(read("devicetree.conf"), "devicetree.conf"))).toBe(true);
  });

  it("a blank, comma, semicolon, brace or # inside one is its own; blanks around it are laid out", () => {
    const dt = (path: string) => `devicetreecon ${path}   u:r:t;\n`;
    for (const path of ["/soc/a,b{c}", "/a#b", "/soc/c;d", '"/a#b"', '"/a  b,c"', '"/x {y}"']) {
      expect(formatSource(dt(path), "conf"), path).toBe(`devicetreecon ${path} u:r:t;\n`);
      // (in an m4 source a # starts m4's comment, which m4 copies as it is: the rest of the line kept)
      expect(formatSource(dt(path), "m4"), path).toBe(path.includes("#") ? dt(path) : `devicetreecon ${path} u:r:t;\n`);
    }
    // a # outside one starts a comment, a blank before it
    expect(formatSource('devicetreecon "/a" u:r:t;# c\n', "conf")).toBe('devicetreecon "/a" u:r:t; # c\n');
    // a lone " (checkpolicy: 'unrecognized character') or one with a / in a name starts none
    expect(formatSource('x "a/b,c" y\n', "m4")).toBe('x "a/b,c" y\n');
    expect(formatSource('x "a b,c\n', "m4")).toBe('x "a b, c\n');
  });
});
