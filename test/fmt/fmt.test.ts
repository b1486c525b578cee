// xsm fmt never changes meaning: every committed policy and every committed gen-policy seed
// compiles to the same binary and the same matrix after fmt (or fails with the same messages),
// and fmt is idempotent. m4 sources (the example tree) are laid out too; test/oracle/fmt.test.ts
// builds the formatted trees with m4 and compares.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileBinary } from "../../src/binary/compile.js";
import { moduleOff } from "../../src/build/tree.js";
import { PolicyError } from "../../src/diagnostics/diagnostic.js";
import { formatSource, kindOf, FormatError } from "../../src/fmt/format.js";
import { parsePolicy } from "../../src/policy/parse.js";
import { xsm } from "../cli/run.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function walk(dir: string, keep: (path: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path, keep) : keep(path) ? [path] : [];
  });
}

const isSeed = (p: string) => p.includes("fixtures/oracle/seed-");
/** Every committed policy; of the 300 committed gen-policy seeds every tenth here (a compile of
 *  each takes ~0.1 s on a shared machine), all of them in test/oracle/fmt.test.ts. */
const committedPolicies = (all: boolean) =>
  [
    ...walk(join(root, "examples"), (p) => p.endsWith(".conf") && !p.endsWith("modules.conf")),
    // (a tree's modules.conf, either layout's, is no policy.conf)
    ...walk(join(root, "test/fixtures"), (p) => p.endsWith(".conf") && !p.endsWith("modules.conf") && (all || !isSeed(p) || /seed-\d\d0\./.test(p))),
  ].sort();
const policies = committedPolicies(false);

/** What a compile gives: the binary and the matrix, or the error messages without locations
 *  (fmt may move lines when it drops a run of blank lines). */
function outcome(text: string): string {
  try {
    const r = compileBinary(text, { file: "p.conf" });
    return `${Buffer.from(r.bytes).toString("base64")}\n${r.policy.matrixJson()}`;
  } catch (err) {
    if (err instanceof PolicyError) return err.diagnostics.map((d) => `${d.severity}: ${d.message}`).join("\n");
    throw err;
  }
}

describe("fmt keeps the meaning of every committed policy", () => {
  it(`finds the committed policies (${policies.length})`, () => {
    expect(policies.filter(isSeed).length).toBeGreaterThanOrEqual(30);
    expect(policies.length).toBeGreaterThan(50);
  });

  it("each compiles to the same binary and matrix after fmt, and fmt is idempotent", () => {
    let changed = 0;
    for (const path of policies) {
      const name = relative(root, path);
      const text = readFileSync(path, "utf8");
      let formatted: string;
      try {
        formatted = formatSource(text, "conf");
      } catch (err) {
        // only a file compile itself refuses as it is may be refused: a carriage return, or with
        // compile's own error (a fixture that does not parse)
        expect(err, name).toBeInstanceOf(FormatError);
        if (!text.includes("\r")) expect(outcome(text), name).toContain(`error: ${(err as FormatError).message}`);
        continue;
      }
      if (formatted !== text) changed++;
      expect(formatSource(formatted, "conf"), `${name}: not idempotent`).toBe(formatted);
      expect(outcome(formatted), `${name}: meaning changed`).toBe(outcome(text));
    }
    expect(changed).toBeGreaterThan(0);
  }, 120_000);
});

describe("the canonical layout", () => {
  it("indents by nesting, one blank between words, none before ; or ,, keeps comments", () => {
    const messy = [
      "",
      "",
      "class   xen{ a  b }   # the class",
      "if (b1)   {",
      "   allow x_t y_t : xen { a } ;",
      "      } else {",
      "allow x_t y_t:xen b;",
      "}",
      "",
      "",
      "",
      "type t ,  attr1,attr2;   ",
      "",
    ].join("\n");
    expect(formatSource(messy, "conf")).toBe(
      ["class xen { a b } # the class", "if (b1) {", "\tallow x_t y_t : xen { a };", "} else {", "\tallow x_t y_t:xen b;", "}", "", "type t, attr1, attr2;", ""].join("\n"),
    );
  });

  it("trailing comments the author aligned stay aligned, one blank after the longest code; others get one blank", () => {
    const text = [
      "attribute xen_type;             # objects of the hypervisor",
      "attribute domain_target_type;   # the T_target labels",
      "type  dom0_t ,domain_type;      # dom0",
      "type device_t;     # alone: one blank",
      "",
      "class xen",
      "{",
      "    settime             # XENPF_settime32/64",
      "    readconsole         # CONSOLEIO_read",
      "\tphysinfo\t# a tab stops at the next multiple of 8: column 24 too",
      "    heap # not in the column: the run ends before it",
      "    kexec               # a run of one",
      "}",
      "",
    ].join("\n");
    expect(formatSource(text, "m4")).toBe(
      [
        "attribute xen_type;           # objects of the hypervisor",
        "attribute domain_target_type; # the T_target labels",
        "type dom0_t, domain_type;     # dom0",
        "type device_t; # alone: one blank",
        "",
        "class xen",
        "{",
        "\tsettime     # XENPF_settime32/64",
        "\treadconsole # CONSOLEIO_read",
        "\tphysinfo    # a tab stops at the next multiple of 8: column 24 too",
        "\theap # not in the column: the run ends before it",
        "\tkexec # a run of one",
        "}",
        "",
      ].join("\n"),
    );
    // the runs are the output's too, so a second run changes nothing; a comment kept as written (a
    // path's `#` in m4, which m4 copies whole) is in no run, nothing put before it
    const once = formatSource(text, "m4");
    expect(formatSource(once, "m4")).toBe(once);
    expect(formatSource(text.replaceAll("\n", "\n\n"), "m4")).not.toMatch(/  #/);
    expect(formatSource("devicetreecon /soc/a#b system_u:object_r:d_t\nallow a b:c d;      # x\n", "m4")).toBe("devicetreecon /soc/a#b system_u:object_r:d_t\nallow a b:c d; # x\n");
  });

  it("every example's sources are fmt-clean, and so is m4's output of the tree (policy.conf, as xsm build writes it)", () => {
    const sources = walk(join(root, "examples"), (p) => !/\.(md|json|ts|png)$/.test(p));
    expect(sources).toContain(join(root, "examples/xen-flask/policy.conf"));
    expect(sources.length).toBeGreaterThan(20);
    for (const path of sources) {
      const text = readFileSync(path, "utf8");
      expect(formatSource(text, kindOf(path), { unread: moduleOff(path) !== undefined }), relative(root, path)).toBe(text);
    }
  });

  it("m4: call arguments, quotes and define bodies are kept as written; the text around them is laid out", () => {
    // a define body's blanks are m4's output wherever the macro is used (and an ifelse may compare
    // them), so it is kept as any call's arguments are
    const src = [
      "define(`pair', `",
      "      allow $1 $2:event {  bind",
      "  send };",
      "   create_channel($1,   $2 ,$1_channel)",
      "')  dnl  pair  ",
      "pair( a_t,b_t )",
      "  type   y_t ;",
      "type x_t, domain_type`'ifelse(`$#', `1', `', `,shift($@)');",
      "define(`one', `allow  a  b:c  d;')   one",
      "",
    ].join("\n");
    expect(formatSource(src, "m4")).toBe(
      [
        "define(`pair', `",
        "      allow $1 $2:event {  bind",
        "  send };",
        "   create_channel($1,   $2 ,$1_channel)",
        "') dnl  pair",
        "pair( a_t,b_t )",
        "type y_t;",
        "type x_t, domain_type`'ifelse(`$#', `1', `', `,shift($@)');",
        "define(`one', `allow  a  b:c  d;') one",
        "",
      ].join("\n"),
    );
  });

  it("m4: a blank after a quote or call that ends on a later line is kept, as it parts two words", () => {
    expect(formatSource("`a\nb'   c\n", "m4")).toBe("`a\nb' c\n");
    expect(formatSource("foo(a,\n b)  c  ;\n", "m4")).toBe("foo(a,\n b) c;\n");
    expect(formatSource("foo(a,\n b)c\n", "m4")).toBe("foo(a,\n b)c\n");
  });

  it("the example tree's m4 sources are laid out idempotently", () => {
    for (const path of walk(join(root, "examples/xen-flask"), (p) => !p.endsWith(".md") && !p.endsWith("policy.conf"))) {
      const once = formatSource(readFileSync(path, "utf8"), kindOf(path));
      expect(formatSource(once, kindOf(path)), path).toBe(once);
    }
  });

  it("in an m4 source the build never reads, keeps what the build would refuse, and lays it out", () => {
    const text = "type  caf\u00e9_t;\u00a0\r\n`type  b_t;\r'\n";
    expect(() => formatSource(text, "m4")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 10 }));
    expect(formatSource(text, "m4", { unread: true })).toBe("type caf\u00e9_t;\u00a0\r\n`type  b_t;\r'\n");
    expect(() => formatSource("type  a_t;\n}\n", "m4", { unread: true })).toThrow(expect.objectContaining({ code: "fmt-unopened", line: 2 }));
  });

  it("refuses what it cannot lay out safely, naming the line", () => {
    expect(() => formatSource("allow a b:c d;\n}\n", "conf")).toThrow(expect.objectContaining({ line: 2 }));
    expect(() => formatSource("define(`x', `\nallow a b:c d;\n", "m4")).toThrow(/never closed/);
    expect(() => formatSource("allow a b:c d;\r\n", "conf")).toThrow(/carriage return/);
  });

  it("locates a carriage return at its own line and column, and reads one in a comment as checkpolicy does", () => {
    const at = (text: string) => {
      try {
        formatSource(text, "conf");
      } catch (err) {
        return [(err as FormatError).line, (err as FormatError).col];
      }
      return undefined;
    };
    expect(at("# a comment\ntype  a_t;\r # after\n")).toEqual([2, 11]);
    expect(at("# CR LF \r\n# only in\r\n# comments\r\n")).toBeUndefined();
    expect(at("type a_t; # x\r\nallow a_t\rself:xen settime;\n")).toEqual([2, 10]);
    // in a comment every CR is kept, mid-line and ending it (a CR LF line: the blanks before its
    // CR are trailing blanks), as compile reads it; fmt never drops a byte it does not own
    expect(formatSource("type  a_t; # a\rb \r\n", "conf")).toBe("type a_t; # a\rb\r\n");
    expect(formatSource("# CR LF \r\n# only in\r\n  # comments\t\r\n", "conf")).toBe("# CR LF\r\n# only in\r\n# comments\r\n");
    expect(formatSource("define(`x', `\n  allow a b:c d; # why \r\n')\n", "m4")).toBe("define(`x', `\n  allow a b:c d; # why \r\n')\n");
  });

  it("in an m4 source refuses a carriage return where the build does: m4 copies it, and not after dnl, which discards it", () => {
    const m4 = (text: string) => formatSource(text, "m4");
    // top-level text and a top-level quoted string reach policy.conf: compile's error, at the CR
    expect(() => m4("type a_t;\r\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 10, message: expect.stringContaining("remove it") }));
    expect(() => m4("# x\n\r\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 2, col: 1 }));
    expect(() => m4("`type a_t;\r'\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 11 }));
    expect(() => m4("type a_t;\r\ntype b_t;\r\n")).toThrow(expect.objectContaining({ message: expect.stringContaining("2 lines end in CR LF") }));
    // dnl discards through its newline (a CR LF line's CR, quotes, braces); a define body and a
    // macro's arguments reach policy.conf only as the macro is used: kept, as the text after dnl
    expect(m4("type  a_t; dnl  why \r\n")).toBe("type a_t; dnl  why\r\n");
    expect(m4("dnl `a } (\r\n")).toBe("dnl `a } (\r\n");
    expect(m4("define(`x', `\r')\n")).toBe("define(`x', `\r')\n");
    expect(m4("define(`x', `\n  type  a_t; dnl } `q' \r\n')x\n")).toBe("define(`x', `\n  type  a_t; dnl } `q' \r\n')x\n");
    expect(m4("ignore(a\r)\n")).toBe("ignore(a\r)\n");
  });

  it("refuses a policy.conf that does not parse, with the parser's error; formats one that fails later", () => {
    const refusal = (text: string) => {
      try {
        formatSource(text, "conf");
      } catch (err) {
        const e = err as FormatError;
        return [e.code, e.line, e.col, e.message];
      }
      return undefined;
    };
    expect(refusal("type a_t\ntype b_t;\n")).toEqual(["syntax", 2, 1, "expected ';' in type declaration, found 'type'"]);
    expect(refusal("type caf\u00e9_t;\n")).toEqual(["bad-character", 1, 9, expect.stringMatching(/^'\u00e9' \(U\+00E9\), not ASCII, outside a comment/)]);
    expect(refusal("type a_t;\u00a0\n")).toEqual(["bad-character", 1, 10, expect.stringMatching(/U\+00A0/)]);
    expect(refusal("\ufefftype a_t;\n")).toEqual(["bad-character", 1, 1, expect.stringMatching(/byte-order mark/)]);
    // compile's other diagnostics are not fmt's business: an unknown type, a section out of its
    // order or missing (a fragment), a statement checkpolicy reads and xsm does not, no statement
    expect(refusal("allow nowhere_t self:xen settime;\n")).toBeUndefined();
    expect(refusal("type a_t;\nclass xen\n")).toBeUndefined();
    expect(refusal("portcon tcp 80 u:r:t;\n")).toBeUndefined();
    expect(refusal("# only a comment, caf\u00e9\n\n")).toBeUndefined();
    // every diagnostic the parser gives, located in the file named
    const two = (() => {
      try {
        formatSource("type a\u00e9;\ntype b_t\n", "conf");
      } catch (err) {
        return (err as FormatError).diagnostics("p.conf", "");
      }
    })();
    expect(two?.map((d) => [d.code, d.span?.file, d.span?.line, d.span?.col])).toEqual([
      ["bad-character", "p.conf", 1, 7],
      ["syntax", "p.conf", 2, 9],
    ]);
  });

  it("names the file in every span and message of a refusal as compile's parse under that name does (one parse for any name)", () => {
    // the allow rule starts in the file and the parser stops in m.te: the note names the file
    const text = "type a_t;\nallow a_t b_t:c\n#line 1 \"m.te\"\n;\ntype b\u00e9;\n";
    const refusal = (() => {
      try {
        formatSource(text, "conf");
      } catch (err) {
        return err as FormatError;
      }
    })()!;
    for (const file of ["p.conf", "dir/q.conf"]) {
      const compile = parsePolicy(text, file, { sections: false }).diagnostics.filter((d) => d.severity === "error");
      expect(JSON.parse(JSON.stringify(refusal.diagnostics(file, text)))).toEqual(JSON.parse(JSON.stringify(compile)));
    }
    expect(refusal.diagnostics("p.conf", text)[0]!.notes![0]!.message).toBe("the allow rule starts here, and p.conf ends before it is finished");
  });

  it("refuses a *.conf that is no policy.conf (refpolicy's build.conf) saying so at its first line of code", () => {
    const text = readFileSync(join(root, "test/fixtures/fmt/refpolicy-build.conf.txt"), "utf8");
    const first = (t: string) => {
      try {
        formatSource(t, "conf");
      } catch (err) {
        const d = (err as FormatError).diagnostics("build.conf", t);
        return d.map((x) => [x.code, x.span?.line, x.span?.col, x.message, ...(x.notes ?? []).map((n) => `${n.span?.line}:${n.span?.col}: ${n.message}`)]);
      }
    };
    expect(first(text)).toEqual([
      [
        "fmt-not-policy",
        14,
        1,
        "this file does not look like a policy.conf: 'TYPE = standard' is a NAME = value setting (as in refpolicy's build.conf); xsm fmt reads every *.conf file (but modules.conf) as a policy.conf",
        "14:6: compile stops here: expected a name in type declaration, found '='",
      ],
    ]);
    expect(first("[main]\nkey = value\n")?.[0]?.slice(0, 4)).toEqual(["fmt-not-policy", 1, 1, expect.stringContaining("'[main]' is an INI section header")]);
    expect(first("  nameserver 10.0.0.1\n")?.[0]?.slice(0, 4)).toEqual(["fmt-not-policy", 1, 3, expect.stringContaining("it starts with 'nameserver', which starts no policy.conf statement")]);
    // a policy.conf's own mistakes keep compile's words: past its first line of code, or a line
    // that starts a statement
    expect(first("type a_t;\nTYPE = x\n")?.[0]?.slice(0, 2)).toEqual(["syntax", 2]);
    expect(first("type a_t\ntype b_t;\n")?.[0]?.slice(0, 2)).toEqual(["syntax", 2]);
    expect(first("allow a b:c { x y }\n")?.[0]?.[0]).toBe("syntax");
  });

  it("refuses in an m4 source what m4 certainly carries into policy.conf where checkpolicy rejects it", () => {
    const m4 = (text: string) => formatSource(text, "m4");
    // top-level text: m4 copies it as it is
    expect(() => m4("type caf\u00e9_t;\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 9 }));
    expect(() => m4("allow a b:c d;\ntype a_t;  \u00a0\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 2, col: 12 }));
    expect(() => m4("\ufefftype a_t;\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 1 }));
    expect(() => m4("pair(a, b)\u00e9\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 11 }));
    // a top-level quoted string: m4 copies what it holds, quotes removed (a `#` there starts a
    // comment for checkpolicy)
    expect(() => m4("  `type caf\u00e9_t;'\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 1, col: 12 }));
    expect(() => m4("`type a_t;\n caf\u00e9'\n")).toThrow(expect.objectContaining({ code: "bad-character", line: 2, col: 5 }));
    // not carried, or not certainly: a comment (m4 copies it, checkpolicy reads it, also after a
    // quoted `#`), after dnl (discarded), a macro's arguments (the macro decides), a define body
    // (only if the macro is used), and a file that diverts its output or changes m4's quotes
    const kept = [
      "type a_t; # caf\u00e9\u00a0\n",
      "type a_t; dnl caf\u00e9\n",
      "')dnl caf\u00e9\n",
      "ignore(caf\u00e9)\n",
      "`# caf\u00e9'\n",
      "`a # caf\u00e9' b\u00a0\n",
      "define(`x', `type caf\u00e9_t;')\n",
      "define(`x', `\n\u00a0allow a b:c d;\n')\n",
      "divert(-1)\ntype caf\u00e9_t;\ndivert\n",
    ];
    for (const text of kept) expect(m4(text), JSON.stringify(text)).toBe(formatSource(m4(text), "m4"));
    // a no-break space at a line's edge is text, not a blank: kept where it was
    expect(formatSource("  \u00a0allow a b:c d; \n", "m4", { unread: true })).toBe("\u00a0allow a b:c d;\n");
    // the tree's modules.conf is no policy.conf: laid out, never parsed as one
    expect(formatSource("xen  =  on\n", kindOf("modules/modules.conf"))).toBe("xen = on\n");
  });
});

describe("xsm fmt", () => {
  it("--check names the files that would change, exit 1; --write rewrites them; then --check passes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const messy = join(dir, "messy.conf");
      const clean = join(dir, "clean.conf");
      writeFileSync(messy, "class xen\nsid xen\nclass xen {  a }\n");
      copyFileSync(join(root, "test/fixtures/cli/errors.conf"), clean);
      writeFileSync(clean, formatSource(readFileSync(clean, "utf8"), "conf"));
      const check = await xsm("fmt", "--check", messy, clean);
      expect(check.code).toBe(1);
      expect(check.stdout).toBe(`${messy}\n`);
      expect(check.stderr).toBe("1 file would be reformatted (run xsm fmt --write)\n");
      expect(readFileSync(messy, "utf8")).toBe("class xen\nsid xen\nclass xen {  a }\n");

      const stdout = await xsm("fmt", messy);
      expect(stdout).toMatchObject({ code: 0, stdout: "class xen\nsid xen\nclass xen { a }\n" });

      const write = await xsm("fmt", "--write", messy, clean);
      expect(write).toMatchObject({ code: 0, stdout: `formatted ${messy}\n` });
      expect((await xsm("fmt", "--check", messy, clean)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a file it cannot lay out is an error naming file and line, left unchanged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const bad = join(dir, "bad.conf");
      writeFileSync(bad, "allow a b:c  d;\n}\n");
      const r = await xsm("fmt", "--write", bad);
      expect(r.code).toBe(1);
      // the catalog's fmt-unopened, rendered as every diagnostic is: location, message, the line
      expect(r.stderr).toBe(`${bad}:2:1: error: a '}' without its '{'\n}\n^\n` + "xsm: 1 of 1 file could not be laid out\n");
      expect(readFileSync(bad, "utf8")).toBe("allow a b:c  d;\n}\n");

      // several files, every error; a carriage return at its line
      const crlf = join(dir, "crlf.conf");
      writeFileSync(crlf, "class xen\r\n");
      const quote = join(dir, "quote.te");
      writeFileSync(quote, "allow a `b c:d e;\n");
      const both = await xsm("fmt", "--check", crlf, quote);
      expect(both.code).toBe(1);
      expect(both.stderr).toBe(
        `${crlf}:1:10: error: a carriage return (CR) outside a comment: checkpolicy rejects it ('unrecognized character'); convert the file to LF line endings (dos2unix) first\nclass xen\n         ^\n` +
          `${quote}:1:9: error: an m4 quote '\`' that is never closed: m4 stops at the end of the file ('end of file in string')\nallow a \`b c:d e;\n        ^\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts what compile accepts: a Latin-1 comment and a CR in a comment, their bytes kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const base = readFileSync(join(root, "test/fixtures/cli/small.conf"));
      const file = join(dir, "latin1.conf");
      // not UTF-8: 0xE9 is Latin-1's e-acute; checkpolicy and xsm compile read it in a comment
      const bytes = Buffer.concat([Buffer.from("# caf\xe9, cr\rhere\n", "latin1"), base, Buffer.from("pcidevicecon  0x301 system_u:object_r:nic_t # na\xefve\n", "latin1")]);
      writeFileSync(file, bytes);
      expect((await xsm("compile", file)).code).toBe(0);
      // the built CLI, for stdout's bytes (the in-process runner collects text)
      const bin = join(root, "bin/xsm.cjs");
      const out = spawnSync(process.execPath, [bin, "fmt", file]);
      expect(out.status, out.stderr.toString()).toBe(0);
      const want = Buffer.concat([Buffer.from("# caf\xe9, cr\rhere\n", "latin1"), Buffer.from(formatSource(base.toString("utf8"), "conf")), Buffer.from("pcidevicecon 0x301 system_u:object_r:nic_t # na\xefve\n", "latin1")]);
      expect(out.stdout.equals(want)).toBe(true);
      const write = await xsm("fmt", "--write", file);
      expect(write).toMatchObject({ code: 0, stdout: `formatted ${file}\n` });
      expect(readFileSync(file).equals(want)).toBe(true);
      expect((await xsm("fmt", "--check", file)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a policy.conf compile refuses at the syntax level with compile's own error, in every mode, the file untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const base = readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8");
      const cases = {
        // the reported cases: a missing ';' and a character that is not ASCII outside a comment
        "semi.conf": base.replace("type xen_t;", "type  xen_t"),
        "ascii.conf": base.replace("type nic_t, device_type;", "type nic_t,\u00a0device_type;  # caf\u00e9"),
      };
      for (const [name, text] of Object.entries(cases)) {
        const file = join(dir, name);
        writeFileSync(file, text);
        const compiled = await xsm("compile", file);
        expect(compiled.code).toBe(1);
        // compile's diagnostics, as compile renders them, without its count line
        const diagnostics = compiled.stderr.replace(/^\d+ errors?\n$/m, "");
        expect(diagnostics).toMatch(new RegExp(`^${file}:\\d+:\\d+: error: `));
        for (const mode of [[], ["--check"], ["--write"]]) {
          const r = await xsm("fmt", ...mode, file);
          expect(r.code, `${name} ${mode}`).toBe(1);
          expect(r.stdout, `${name} ${mode}`).toBe("");
          expect(r.stderr, `${name} ${mode}`).toBe(diagnostics + (mode[0] === "--write" ? "xsm: 1 of 1 file could not be laid out\n" : ""));
          expect(readFileSync(file, "utf8")).toBe(text);
        }
      }
      // with others: their layout is printed or written only where fmt would (stdout: each file's
      // own; --write: none, all or nothing)
      const messy = join(dir, "messy.conf");
      writeFileSync(messy, "type  a_t;\n");
      const both = await xsm("fmt", messy, join(dir, "semi.conf"));
      expect(both).toMatchObject({ code: 1, stdout: "type a_t;\n" });
      const write = await xsm("fmt", "--write", messy, join(dir, "semi.conf"));
      expect(write.stderr).toMatch(/xsm: 1 of 2 files could not be laid out; none of the 1 that would change was written\n$/);
      expect(readFileSync(messy, "utf8")).toBe("type  a_t;\n");
      // a semantic error is compile's business, not fmt's: laid out
      const unknown = join(dir, "unknown.conf");
      writeFileSync(unknown, base.replace("allow guest_type nic_t:resource use;", "allow  guest_type nix_t:resource use;"));
      expect((await xsm("compile", unknown)).stderr).toMatch(/unknown type nix_t/);
      expect(await xsm("fmt", "--write", unknown)).toMatchObject({ code: 0, stdout: `formatted ${unknown}\n` });
      expect(readFileSync(unknown, "utf8")).toContain("\nallow guest_type nix_t:resource use;\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an m4 source with a character m4 carries into policy.conf where checkpolicy rejects it, as build reports it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const te = join(dir, "caf.te");
      const text = "# caf\u00e9 is fine here\ndnl and here: caf\u00e9\ntype caf\u00e9_t, domain_type;\n";
      writeFileSync(te, text);
      const r = await xsm("fmt", "--write", te);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `${te}:3:9: error: '\u00e9' (U+00E9), not ASCII, outside a comment: checkpolicy rejects it ('unrecognized character'); outside comments, paths and quoted file names a policy is ASCII\n` +
          "type caf\u00e9_t, domain_type;\n        ^\nxsm: 1 of 1 file could not be laid out\n",
      );
      expect(readFileSync(te, "utf8")).toBe(text);
      // standard input is read as m4 source, under the same rule
      const bin = join(root, "bin/xsm.cjs");
      const stdin = spawnSync(process.execPath, [bin, "fmt", "--check", "-"], { input: "type  a_t;\u00a0\n", encoding: "utf8" });
      expect(stdin.status).toBe(1);
      expect(stdin.stdout).toBe("");
      expect(stdin.stderr).toMatch(/^<stdin>:1:11: error: '\u00a0' \(U\+00A0\), not ASCII, outside a comment: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lays out a module modules.conf leaves off, which the build never reads, keeping what the build would refuse; refuses there what it cannot lay out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      mkdirSync(join(dir, "modules"));
      const conf = join(dir, "modules/modules.conf");
      writeFileSync(conf, "# the tree's modules\nxen = on\nold = off\nbroken = off\n");
      const mod = (name: string) => join(dir, "modules", name);
      const stray = "type  caf\u00e9_t;\r\n";
      for (const name of ["xen.te", "old.te", "old.if", "old.cons", "gone.te"]) writeFileSync(mod(name), stray);
      writeFileSync(mod("broken.te"), "type  a_t;\nif (b) {\n");
      expect([moduleOff(mod("old.te")), moduleOff(mod("gone.te")), moduleOff(mod("xen.te")), moduleOff(join(dir, "policy/old.te"))]).toEqual(["old", "gone", undefined, undefined]);
      expect(moduleOff(mod("old.if"), "old = on\n")).toBeUndefined();

      // xen is on: m4 copies its text into policy.conf and checkpolicy rejects the character; old
      // is off and gone is not listed (Makefile.common reads neither): laid out, the characters kept
      const r = await xsm("fmt", "--check", mod("xen.te"), mod("old.te"), mod("old.if"), mod("old.cons"), mod("gone.te"));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe([mod("old.te"), mod("old.if"), mod("old.cons"), mod("gone.te"), ""].join("\n"));
      expect(r.stderr).toMatch(new RegExp(`^${mod("xen.te").replace(/[.\\/]/g, "\\$&")}:1:10: error: '\u00e9' \\(U\\+00E9\\), not ASCII`));
      expect(await xsm("fmt", "--write", mod("old.te"))).toMatchObject({ code: 0, stdout: `formatted ${mod("old.te")}\n` });
      expect(readFileSync(mod("old.te"), "utf8")).toBe("type caf\u00e9_t;\r\n");
      // what fmt cannot lay out safely is refused, on or off
      const broken = await xsm("fmt", "--check", mod("broken.te"));
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`${mod("broken.te")}:2:1: error: a '{' that is never closed`);
      // standard input as a file of the tree: the modules.conf beside PATH tells, as for xsm fmt PATH
      const bin = join(root, "bin/xsm.cjs");
      const stdin = (path: string) => spawnSync(process.execPath, [bin, "fmt", "-", "--stdin-filepath", path], { input: stray, encoding: "utf8" });
      expect(stdin(mod("gone.te"))).toMatchObject({ status: 0, stdout: "type caf\u00e9_t;\r\n" });
      expect(stdin(mod("xen.te"))).toMatchObject({ status: 1, stdout: "" });
      // switched on, the module is built: refused as the build refuses it
      writeFileSync(conf, "xen = on\nold = on\n");
      expect((await xsm("fmt", "--check", mod("old.te"))).stderr).toMatch(/old\.te:1:9: error: '\u00e9'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps a carriage return ending a comment line, as compile reads it (it was dropped as a trailing blank)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const base = formatSource(readFileSync(join(root, "test/fixtures/cli/small.conf"), "utf8"), "conf");
      const file = join(dir, "cr.conf");
      const text = `# written on Windows \r\n${base.replace("type xen_t;", "type  xen_t;  # the hypervisor\r")}`;
      writeFileSync(file, text);
      expect((await xsm("compile", file)).code).toBe(0);
      const want = `# written on Windows\r\n${base.replace("type xen_t;", "type xen_t; # the hypervisor\r")}`;
      expect(await xsm("fmt", file)).toMatchObject({ code: 0, stdout: want });
      expect(await xsm("fmt", "--write", file)).toMatchObject({ code: 0, stdout: `formatted ${file}\n` });
      expect(readFileSync(file, "utf8")).toBe(want);
      expect((await xsm("fmt", "--check", file)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("--write is all or nothing: one file it cannot lay out leaves every file as it was, the failure at FILE:LINE:COL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-fmt-"));
    try {
      const messyA = join(dir, "a.conf");
      const bad = join(dir, "b.conf");
      const messyC = join(dir, "c.te");
      const a = "class xen\nsid xen\nclass xen {  a }\n";
      const b = "allow a b:c  d;\n}\n";
      const c = "allow  a b:c d;\n";
      writeFileSync(messyA, a);
      writeFileSync(bad, b);
      writeFileSync(messyC, c);
      const r = await xsm("fmt", "--write", messyA, bad, messyC);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`${bad}:2:1: error: a '}' without its '{'\n}\n^\n` + "xsm: 1 of 3 files could not be laid out; none of the 2 that would change was written\n");
      expect([readFileSync(messyA, "utf8"), readFileSync(bad, "utf8"), readFileSync(messyC, "utf8")]).toEqual([a, b, c]);
      // a missing file is a failure too
      const missing = await xsm("fmt", "--write", messyA, join(dir, "none.conf"));
      expect(missing.stderr).toBe(`xsm: error: ${join(dir, "none.conf")}: no such file\nxsm: 1 of 2 files could not be laid out; none of the 1 that would change was written\n`);
      expect(readFileSync(messyA, "utf8")).toBe(a);

      // every file laid out: all written, each once though named twice
      writeFileSync(bad, "allow a b:c  d;\n");
      const ok = await xsm("fmt", "--write", messyA, bad, messyC, messyA);
      expect(ok).toMatchObject({ code: 0, stdout: `formatted ${messyA}\nformatted ${bad}\nformatted ${messyC}\n`, stderr: "" });
      expect((await xsm("fmt", "--check", messyA, bad, messyC)).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
