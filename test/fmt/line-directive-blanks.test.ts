// A policy.conf m4 wrote numbers its lines by `#line N "FILE"` directives: each line after one is a
// line of that source file. fmt drops runs of empty lines elsewhere, but here that moved every later
// line checkpolicy (and xsm) names until the next directive, so an error in a formatted policy.conf
// pointed at the wrong line of the .te. fmt keeps such a file's empty lines; every non-empty line
// then maps to the same source line as before.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatSource } from "../../src/fmt/format.js";
import { LineMap } from "../../src/policy/lines.js";

/** Each non-empty line's source place ("file:line"), by its words: what a diagnostic on it names. */
function places(text: string): string[] {
  const map = new LineMap(text, "policy.conf");
  const out: string[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    if (line.trim() !== "" && !line.startsWith("#line")) {
      const p = map.position(offset);
      out.push(`${p.file}:${p.line} ${line.trim().split(/\s+/).join(" ")}`);
    }
    offset += line.length + 1;
  }
  return out;
}

describe("fmt keeps the empty lines of a policy.conf with #line directives", () => {
  it("a run of empty lines after a directive stays, so the statement after it keeps its source line", () => {
    // (a first line of its own: a file m4 wrote, starting with its directive, is left as it is, below)
    const text = 'type z_t;\n#line 1 "modules/a.te"\ntype a_t;\n\n\n\ntype  b_t;\n#line 40 "modules/b.te"\n\n\ntype c_t;\n';
    const formatted = formatSource(text, "conf");
    expect(formatted).toBe('type z_t;\n#line 1 "modules/a.te"\ntype a_t;\n\n\n\ntype b_t;\n#line 40 "modules/b.te"\n\n\ntype c_t;\n');
    expect(places(formatted)).toEqual(["policy.conf:1 type z_t;", "modules/a.te:1 type a_t;", "modules/a.te:5 type b_t;", "modules/b.te:42 type c_t;"]);
    expect(formatSource(formatted, "conf")).toBe(formatted);
  });

  it("a policy.conf m4 wrote (its first line #line N \"FILE\") is left as it is: its layout is its sources'", () => {
    // m4 -s's output of a call whose macro body is tab-indented, continuation lines three tabs in
    const m4 = '#line 1 "modules/a.te"\ntype a_t;\n#line 2\n\tallow a_t a_t:event { bind\n#line 2\n\t\t\tsend };\n#line 2\n\t\n';
    expect(formatSource(m4, "conf")).toBe(m4);
    // the same lines without m4's first directive (written by hand, or cut from m4's output) are laid out
    const cut = m4.slice(m4.indexOf("\n") + 1);
    expect(formatSource(cut, "conf")).toBe("type a_t;\n#line 2\nallow a_t a_t:event { bind\n#line 2\n\tsend };\n#line 2\n");
    // and m4's output is still refused where it does not parse, as any policy.conf is
    expect(() => formatSource('#line 1 "modules/a.te"\ntype a_t\n', "conf")).toThrow();
  });

  it("a policy.conf without directives still loses its runs of empty lines", () => {
    expect(formatSource("type a_t;\n\n\n\ntype b_t;\n", "conf")).toBe("type a_t;\n\ntype b_t;\n");
  });

  it("m4's output of the example tree: every statement names the same .te line after fmt", () => {
    const text = readFileSync("examples/xen-flask/policy.conf", "utf8");
    const formatted = formatSource(text, "conf");
    expect(formatted.split("\n").length).toBe(text.split("\n").length);
    expect(places(formatted)).toEqual(places(text));
  });
});
