// The CLI as a careless or adversarial user meets it: every row is a command line a real user
// types, with the exit status and the message it must give (where, and what), never a stack
// trace, "undefined" or "[object Object]", and no file written when the command fails.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_LINE, xsm } from "./run.js";
import { hasM4 } from "../tools.js";

const tmp = mkdtempSync(join(tmpdir(), "xsm-adversarial-"));
const small = "test/fixtures/cli/small.conf";
const errors = "test/fixtures/cli/errors.conf";
const base = readFileSync(small, "utf8");
const at = (name: string) => join(tmp, name);

/** small.conf with `rule` inserted before its first allow rule (line 24). */
const withRule = (rule: string) => base.replace("allow dom0_t xen_t", `${rule}\nallow dom0_t xen_t`);

const FILES: Record<string, string> = {
  // sets and conditionals nested past what the grammar's recursive rules read (1,000), malformed:
  // the error is where checkpolicy's parser says 'syntax error' (its token in the comment)
  "deep-unclosed-set.conf": withRule(`allow dom0_t ${"{".repeat(1200)} xen_t ${"}".repeat(1199)}:xen settime;`), // ':'
  "deep-extra-close.conf": withRule(`allow dom0_t xen_t:xen ${"{".repeat(1200)} settime ${"}".repeat(1199)};`), // ';'
  "deep-unclosed-cond.conf": withRule(`if ${"(".repeat(1200)}guests_may_plug${")".repeat(1199)} { allow dom0_t xen_t:xen settime; }`), // '{'
  "deep-not-no-brace.conf": withRule(`if ${"! ".repeat(1200)}guests_may_plug allow dom0_t xen_t:xen settime; }`), // 'allow'
  "unterminated-if.conf": withRule("if (guests_may_plug) {\n  allow dom0_t xen_t:xen settime;\n").replace(/\}\n(neverallow)/, "$1"),
  "fmt-unclosed.conf": "type a_t;\nif (b) {\n\tallow a_t a_t:c p;\n",
  // what compile refuses at the syntax level: fmt refuses it too, with compile's error
  "fmt-semi.conf": base.replace("type xen_t;", "type  xen_t"),
  "fmt-ascii.te": "# caf\u00e9 in a comment\ntype  caf\u00e9_t;\n",
  // a module's last rule left unfinished: m4's output goes on with the next module's file
  "unfinished-module.conf": base.replace("allow dom0_t xen_t", '#line 1 "modules/a.te"\nallow dom0_t\n#line 1 "modules/b.te"\ntype b_t;\nallow dom0_t xen_t'),
  // a terminal escape sequence (set the window title) and a NUL, where a statement should be
  "escapes.conf": withRule("\x1b]0;owned\x07 \x00;"),
  "empty.json": "",
  "no-avc.log": "(XEN) nothing to see\n",
  "queries-bad.json": '[{"scontext": "a",\n  "tcontext" "b"}]\n',
  "lint-bad.json": '{"severity": {\n  "unused-type": "loud",\n}}\n',
};

beforeAll(() => {
  for (const [name, text] of Object.entries(FILES)) writeFileSync(at(name), text);
  mkdirSync(at("adir"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  argv: () => string[];
  code: number;
  /** Lines stderr must hold (exactly, each), or patterns. */
  stderr: (string | RegExp)[];
  /** What stdout must be, exactly, when given (a refused command prints nothing before its error). */
  stdout?: string;
  /** Files that must not exist afterwards. */
  noFiles?: () => string[];
}

const check = (s: string, t: string, cls: string, perm: string) => ["check", small, "--scontext", s, "--tcontext", t, "--class", cls, "--perm", perm];
const dom0 = "system_u:system_r:dom0_t";
const nic = "system_u:object_r:nic_t";

const ROWS: Record<string, Row> = {
  "check: a type attribute as the role": {
    argv: () => check("system_u:domain_type:dom0_t", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext system_u:domain_type:dom0_t: 'domain_type' is a type attribute, not a role: the second field of a context (user:role:type) is a role (the policy's roles: object_r, system_r, vm_r)"],
  },
  "check: a type attribute as the type": {
    argv: () => check(dom0, "system_u:object_r:device_type", "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --tcontext system_u:object_r:device_type: 'device_type' is a type attribute, not a type: a context names one type, and an attribute names a set of them (here device_t, nic_t)"],
  },
  "check: a role as the user (fields swapped)": {
    argv: () => check("system_r:system_u:dom0_t", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext system_r:system_u:dom0_t: 'system_r' is a role, not a user: the first field of a context (user:role:type) is a user"],
  },
  "check: a mistyped type": {
    argv: () => check("system_u:system_r:dom0", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext system_u:system_r:dom0: unknown type 'dom0' (did you mean 'dom0_t'?)"],
  },
  "check: two fields": {
    argv: () => check("system_u:system_r", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext system_u:system_r: 'system_u:system_r' is not a context: a context is user:role:type, and this has 2 fields"],
  },
  "check: a role the user may not take": {
    argv: () => check("vm_u:system_r:dom0_t", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext vm_u:system_r:dom0_t: user vm_u may not take role system_r: its roles are vm_r"],
  },
  "check: a type the role is not authorized for": {
    argv: () => check("system_u:vm_r:dom0_t", nic, "resource", "plug"),
    code: 1,
    stderr: ["xsm: error: --scontext system_u:vm_r:dom0_t: role vm_r is not authorized for type dom0_t: its types do not include it ('role vm_r types dom0_t;' would add it)"],
  },
  "check: a mistyped class": {
    argv: () => check(dom0, nic, "resourc", "plug"),
    code: 1,
    stderr: ["xsm: error: --class: unknown class 'resourc' (did you mean 'resource'?)"],
  },
  "check: a permission of another class": {
    argv: () => check(dom0, nic, "domain", "plug"),
    code: 1,
    stderr: ["xsm: error: --perm: class domain has no permission 'plug' (its permissions: getattr setattr create destroy pause unpause)"],
  },
  "check --queries: a JSON syntax error is located": {
    argv: () => ["check", small, "--queries", at("queries-bad.json"), "--json"],
    code: 1,
    stderr: [/^xsm: error: .*queries-bad\.json:2:14: invalid JSON: /m],
  },
  "compile: a set nested 1,200 deep and never closed": {
    argv: () => ["compile", at("deep-unclosed-set.conf")],
    code: 1,
    stderr: [`${at("deep-unclosed-set.conf")}:24:2420: error: expected '}' in allow rule, found ':'`],
  },
  "compile: a permission set nested 1,200 deep, one brace short": {
    argv: () => ["compile", at("deep-extra-close.conf")],
    code: 1,
    stderr: [`${at("deep-extra-close.conf")}:24:2432: error: expected '}' in allow rule, found ';'`],
  },
  "compile: a conditional's parentheses 1,200 deep, one never closed": {
    argv: () => ["compile", at("deep-unclosed-cond.conf")],
    code: 1,
    stderr: [`${at("deep-unclosed-cond.conf")}:24:2419: error: expected ')' in conditional, found '{'`],
  },
  "compile: 1,200 '!'s and no '{'": {
    argv: () => ["compile", at("deep-not-no-brace.conf")],
    code: 1,
    stderr: [`${at("deep-not-no-brace.conf")}:24:2420: error: expected '{' in conditional, found 'allow'`],
  },
  "compile -o: no binary is written when the policy has errors": {
    argv: () => ["compile", errors, "-o", at("errors.bin"), "--emit-matrix", at("errors.json")],
    code: 1,
    stderr: [/duplicate declaration of type dom0_t/],
    noFiles: () => [at("errors.bin"), at("errors.json")],
  },
  "compile -o DIR: a directory is not a file": {
    argv: () => ["compile", small, "-o", at("adir")],
    code: 1,
    stderr: [`xsm: error: -o ${at("adir")}: cannot write the binary policy: it is a directory`],
  },
  "compile -o: the matrix cannot be written, so neither is the binary": {
    argv: () => ["compile", small, "-o", at("both.bin"), "--emit-matrix", at("nodir/m.json")],
    code: 1,
    stderr: [`xsm: error: --emit-matrix ${at("nodir/m.json")}: cannot write the matrix: no directory '${at("nodir")}'`],
    noFiles: () => [at("both.bin")],
  },
  "compile --emit-matrix into a missing directory": {
    argv: () => ["compile", small, "--emit-matrix", at("nodir/m.json")],
    code: 1,
    stderr: [`xsm: error: --emit-matrix ${at("nodir/m.json")}: cannot write the matrix: no directory '${at("nodir")}'`],
  },
  "compile -c without -o": {
    argv: () => ["compile", small, "-c", "24"],
    code: 2,
    stderr: ["xsm: error: -c sets how the binary policy is written: give -o FILE too"],
  },
  "compile -c 31: checked before anything is read": {
    argv: () => ["compile", "missing.conf", "-c", "31", "-o", at("v31.bin")],
    code: 2,
    stderr: ["xsm: error: -c 31: checkpolicy writes the Xen target only at versions 24 and 30"],
    noFiles: () => [at("v31.bin")],
  },
  "compile: an if block never closed": {
    argv: () => ["compile", at("unterminated-if.conf")],
    code: 1,
    stderr: [/unterminated-if\.conf:\d+:\d+: error: /],
  },
  "fmt: a brace never closed is refused where it opens": {
    argv: () => ["fmt", at("fmt-unclosed.conf")],
    code: 1,
    stderr: [`${at("fmt-unclosed.conf")}:2:1: error: a '{' that is never closed (the file ends inside it)`],
  },
  "fmt: a missing ';' is refused with compile's error, the file as it was": {
    argv: () => ["fmt", "--write", at("fmt-semi.conf")],
    code: 1,
    stderr: [`${at("fmt-semi.conf")}:17:1: error: expected ';' in type declaration, found 'type'`, "type unlabeled_t;", "xsm: 1 of 1 file could not be laid out"],
  },
  "fmt: an m4 source with a character that is not ASCII where m4 carries it into policy.conf": {
    argv: () => ["fmt", "--check", at("fmt-ascii.te")],
    code: 1,
    stderr: [`${at("fmt-ascii.te")}:2:10: error: '\u00e9' (U+00E9), not ASCII, outside a comment: checkpolicy rejects it ('unrecognized character'); outside comments, paths and quoted file names a policy is ASCII`],
    stdout: "",
  },
  "lint --config: a JSON syntax error is located": {
    argv: () => ["lint", small, "--config", at("lint-bad.json")],
    code: 1,
    stderr: [new RegExp(`^xsm: error: .*lint-bad\\.json:3:1: invalid JSON: `, "m")],
  },
  "search -s '': an empty name": {
    argv: () => ["search", small, "-A", "-s", ""],
    code: 2,
    stderr: ["xsm: error: option '-s, --source <name>' argument '' is invalid. expected a name, got an empty string."],
  },
  "search -c ',,': no class named": {
    argv: () => ["search", small, "-A", "-c", ",,"],
    code: 2,
    stderr: ["xsm: error: option '-c, --class <classes>' argument ',,' is invalid. item 1 of 3, at character 1, is empty (before the first comma); expected names separated by commas."],
  },
  "search -c domain,,resource: an empty name between commas, refused as sesearch refuses it": {
    argv: () => ["search", small, "-A", "-c", "domain,,resource"],
    code: 2,
    stderr: ["xsm: error: option '-c, --class <classes>' argument 'domain,,resource' is invalid. item 2 of 3, at character 8, is empty (between two commas); expected names separated by commas."],
  },
  "search -p plug,: a trailing comma": {
    argv: () => ["search", small, "-A", "-p", "plug,"],
    code: 2,
    stderr: ["xsm: error: option '-p, --perms <perms>' argument 'plug,' is invalid. item 2 of 2, at character 6, is empty (after the last comma); expected names separated by commas."],
  },
  "check --perm plug,,unplug: an empty item is refused where it is, not dropped": {
    argv: () => check(dom0, nic, "resource", "plug,,unplug"),
    code: 2,
    stderr: ["xsm: error: option '--perm <perm>' argument 'plug,,unplug' is invalid. item 2 of 3, at character 6, is empty (between two commas); expected a permission name, or several as plug,unplug or '{ plug unplug }'."],
  },
  "check --perm '{ plug, }': a trailing comma inside braces": {
    argv: () => check(dom0, nic, "resource", "{ plug, }"),
    code: 2,
    stderr: ["xsm: error: option '--perm <perm>' argument '{ plug, }' is invalid. item 2 of 2, at character 8, is empty (after the last comma); expected a permission name, or several as plug,unplug or '{ plug unplug }'."],
  },
  "check --perm 'plug }': a brace that encloses nothing": {
    argv: () => check(dom0, nic, "resource", "plug }"),
    code: 2,
    stderr: ["xsm: error: option '--perm <perm>' argument 'plug }' is invalid. a '}' at character 6: braces enclose the whole list, as in '{ plug unplug }'; expected a permission name, or several as plug,unplug or '{ plug unplug }'."],
  },
  "flow -b 'default,': an empty item after the last comma": {
    argv: () => ["flow", small, "-s", "dom0_t", "-b", "default,"],
    code: 2,
    stderr: ["xsm: error: -b default,: item 2 of 2, at character 9, is empty (after the last comma); expected 'default' or NAME:true,NAME:false..."],
  },
  "flow -b NAME:true,,NAME2:false: an empty item between two commas": {
    argv: () => ["flow", small, "-s", "dom0_t", "-b", "guests_may_plug:true,,x:false"],
    code: 2,
    stderr: ["xsm: error: -b guests_may_plug:true,,x:false: item 2 of 3, at character 22, is empty (between two commas); expected 'default' or NAME:true,NAME:false..."],
  },
  "flow -b NAME:true,NAME:false: two values for one boolean": {
    argv: () => ["flow", small, "-s", "dom0_t", "-b", "guests_may_plug:true,guests_may_plug:false"],
    code: 2,
    stderr: ["xsm: error: -b guests_may_plug:true,guests_may_plug:false: guests_may_plug is given both true and false"],
  },
  "flow -b '': an empty value, in words for a list": {
    argv: () => ["flow", small, "-s", "dom0_t", "-b", ""],
    code: 2,
    stderr: ["xsm: error: option '-b, --booleans <values>' argument '' is invalid. expected values, got an empty string."],
  },
  "simulate --compare-xen 4.19,,4.22: an empty item, not \"'' is not a release\"": {
    argv: () => ["simulate", "examples/xen-flask/lifecycle.json", "--compare-xen", "4.19,,4.22"],
    code: 2,
    stderr: ["xsm: error: --compare-xen 4.19,,4.22: item 2 of 3, at character 6, is empty (between two commas); give releases, stable lines or all, separated by commas"],
  },
  "search --effective: a type attribute as the role": {
    argv: () => ["search", small, "--effective", "--scontext", "system_u:domain_type:dom0_t", "--tcontext", nic],
    code: 1,
    stderr: [/^xsm: error: --scontext: invalid context 'system_u:domain_type:dom0_t': 'domain_type' is a type attribute, not a role/m],
  },
  "info -c: an unknown class": {
    argv: () => ["info", small, "-c", "resourc"],
    code: 1,
    stderr: ["xsm: error: -c: unknown class 'resourc' (did you mean 'resource'?)"],
  },
  "info --pcidevicecon: a bus that is not hex": {
    argv: () => ["info", small, "--pcidevicecon", "0000:zz:00.0"],
    code: 1,
    stderr: ["xsm: error: --pcidevicecon: invalid PCI address '0000:zz:00.0': bus 'zz' is not hexadecimal"],
  },
  "info --pcidevicecon: a segment past 16 bits": {
    argv: () => ["info", small, "--pcidevicecon", "10000:00:00.0"],
    code: 1,
    stderr: ["xsm: error: --pcidevicecon: invalid PCI address '10000:00:00.0': segment 10000 out of range (max ffff)"],
  },
  "info --pcidevicecon: function 8": {
    argv: () => ["info", small, "--pcidevicecon", "0:0:0.8"],
    code: 1,
    stderr: ["xsm: error: --pcidevicecon: invalid PCI address '0:0:0.8': function 8 out of range (max 7)"],
  },
  "info --pcidevicecon: an address the policy does not label": {
    argv: () => ["info", small, "--pcidevicecon", "0000:03:00.1"],
    code: 1,
    stderr: ["xsm: error: --pcidevicecon: no pcidevicecon for 0000:03:00.1 (769) in the policy"],
  },
  "simulate: a scenario's SBDF says which part is wrong": {
    argv: () => {
      const scenario = JSON.parse(readFileSync("examples/svp/nested-trust.json", "utf8")) as { policy: string; steps: { sbdf?: string }[] };
      scenario.policy = join(process.cwd(), "examples/svp", scenario.policy);
      scenario.steps.find((s) => s.sbdf !== undefined)!.sbdf = "0000:zz:00.0";
      writeFileSync(at("bad-sbdf.json"), JSON.stringify(scenario));
      return ["simulate", at("bad-sbdf.json")];
    },
    code: 1,
    stderr: [/bad-sbdf\.json: \/steps\/\d+\/sbdf: expected a PCI address as Xen reads it \(parse_pci\), SSSS:BB:DD\.F or BB:DD\.F \(segment 0\), hex, e\.g\. 0000:03:10\.1 or 03:10\.1; got "0000:zz:00\.0" \(bus 'zz' is not hexadecimal\)/],
  },
  "info -r POLICY: the optional name took the policy": {
    argv: () => ["info", "-x", "-r", small],
    code: 2,
    stderr: [`xsm: error: missing required argument 'policy'; -r took '${small}' as the name of one (put the policy first: xsm info ${small} -r)`],
  },
  "simulate --compare-xen SCENARIO: the optional list took the scenario": {
    argv: () => ["simulate", "--compare-xen", "examples/svp/nested-trust.json"],
    code: 2,
    stderr: ["xsm: error: missing required argument 'scenario'; --compare-xen took 'examples/svp/nested-trust.json' as its releases (put the scenario first: xsm simulate examples/svp/nested-trust.json --compare-xen)", "(run 'npx xsm simulate --help' for usage)"],
  },
  "simulate --dot SCENARIO: the optional file took the scenario": {
    argv: () => ["simulate", "--dot", "examples/svp/nested-trust.json"],
    code: 2,
    stderr: ["xsm: error: missing required argument 'scenario'; --dot took 'examples/svp/nested-trust.json' as its file (put the scenario first: xsm simulate examples/svp/nested-trust.json --dot)", "(run 'npx xsm simulate --help' for usage)"],
  },
  "info POLICY -x -t FILE: -t took a second file as a type's name": {
    argv: () => ["info", small, "-x", "-t", errors],
    code: 1,
    stderr: [`xsm: error: -t: unknown type '${errors}'; -t took '${errors}' (a file) as its value: xsm info reads one policy, here ${small}; to list ${errors}'s types: xsm info ${errors} -t`],
  },
  "info POLICY -x -t TREE: a tree in Xen 4.3-4.7's layout is a policy -t took, as xsm build reads it": {
    argv: () => ["info", small, "-x", "-t", "test/fixtures/build/xen-4.3-sids"],
    code: 1,
    stderr: [`xsm: error: -t: unknown type 'test/fixtures/build/xen-4.3-sids'; -t took 'test/fixtures/build/xen-4.3-sids' (a file) as its value: xsm info reads one policy, here ${small}; to list test/fixtures/build/xen-4.3-sids's types: xsm info test/fixtures/build/xen-4.3-sids -t`],
  },
  "info --pirqcon FILE POLICY: as in seinfo, the word after an optional-value option is its value": {
    argv: () => ["info", "--pirqcon", errors, small],
    code: 1,
    stderr: [`xsm: error: --pirqcon: '${errors}' is not an IRQ number; --pirqcon took '${errors}' (a file) as its value: xsm info reads one policy, here ${small}; to list ${errors}'s pirqcon statements: xsm info ${errors} --pirqcon`],
  },
  "help NAME: a command xsm does not have is a usage error, as 'xsm NAME' is": {
    argv: () => ["help", "comple"],
    code: 2,
    stderr: ["xsm: error: unknown command 'comple'", "(Did you mean compile?)"],
  },
  "compile: a rule one #line file leaves unfinished says where it started": {
    argv: () => ["compile", at("unfinished-module.conf")],
    code: 1,
    stderr: [
      "modules/b.te:1:1: error: expected a name or a set ('{...}', '~', '*') in allow rule, found 'type'",
      "modules/a.te:1:1: note: the allow rule starts here, and modules/a.te ends before it is finished",
    ],
  },
  "compile: control characters in the quoted line are escaped (<U+001B>), not sent to the terminal, the caret under the escape": {
    argv: () => ["compile", at("escapes.conf")],
    code: 1,
    stderr: [/escapes\.conf:24:12: error: a NUL byte outside a comment .*\n<U\+001B>\]0;owned<U\+0007> <U\+0000>;\n {25}\^~{7}\n/],
  },
  "check --queries: an empty file": {
    argv: () => ["check", small, "--queries", at("empty.json")],
    code: 1,
    stderr: [`xsm: error: ${at("empty.json")}: file is empty, expected a query list file`],
  },
  "allow: a log without an avc line prints no rules, only the error": {
    argv: () => ["allow", small, at("no-avc.log")],
    code: 1,
    stdout: "",
    stderr: [/no-avc\.log: no avc line in 1 line/],
  },
  "simulate --svg DIR: refused before the run prints its trace": {
    argv: () => ["simulate", "examples/svp/nested-trust.json", "--svg", at("adir")],
    code: 1,
    stdout: "",
    stderr: [`xsm: error: --svg ${at("adir")}: cannot write the SVG picture: it is a directory`],
  },
  "simulate --dot FILE --svg MISSING/x.svg: neither picture is written": {
    argv: () => ["simulate", "examples/svp/nested-trust.json", "--dot", at("pic.dot"), "--svg", at("nodir/pic.svg")],
    code: 1,
    stdout: "",
    stderr: [`xsm: error: --svg ${at("nodir/pic.svg")}: cannot write the SVG picture: no directory '${at("nodir")}'`],
    noFiles: () => [at("pic.dot")],
  },
  "studio --export FILE: a file is not the site's directory": {
    argv: () => ["studio", small, "--export", small],
    code: 1,
    stderr: [`xsm: error: --export ${small}: cannot write the site: it is a file, and --export takes a directory (made if missing)`],
  },
  "search --effective --set: a value other than 1, 0, true or false": {
    argv: () => ["search", small, "--effective", "--set", "guests_may_plug=yes"],
    code: 2,
    stderr: ["xsm: error: --set expects NAME=1, NAME=0, NAME=true or NAME=false, got 'guests_may_plug=yes'"],
  },
  "compile -o POLICY: the output is the policy being compiled": {
    argv: () => {
      writeFileSync(at("victim.conf"), base);
      return ["compile", at("victim.conf"), "-o", at("victim.conf")];
    },
    code: 1,
    stdout: "",
    stderr: [`xsm: error: -o ${at("victim.conf")}: cannot write the binary policy: it is the input file, which writing it would lose; give another file`],
  },
  "compile --emit-matrix LINK: a link to the policy is the policy": {
    argv: () => {
      writeFileSync(at("victim2.conf"), base);
      symlinkSync(at("victim2.conf"), at("victim2.link"));
      return ["compile", at("victim2.conf"), "--emit-matrix", at("victim2.link")];
    },
    code: 1,
    stdout: "",
    stderr: [`xsm: error: --emit-matrix ${at("victim2.link")}: cannot write the matrix: it is the same file as the input ${at("victim2.conf")}, which writing it would lose; give another file`],
  },
  "scaffold -o POLICY: refused before anything is printed": {
    argv: () => {
      writeFileSync(at("victim3.conf"), base);
      return ["scaffold", at("victim3.conf"), "-o", at("victim3.conf")];
    },
    code: 1,
    stdout: "",
    stderr: [`xsm: error: -o ${at("victim3.conf")}: cannot write the scenario: it is the input file, which writing it would lose; give another file`],
  },
  "test --junit -: not a file named '-'": {
    argv: () => ["test", "test/fixtures/policytest/small.tests.json", "--junit", "-"],
    code: 2,
    stdout: "",
    stderr: ["xsm: error: --junit -: cannot write the JUnit report: --junit takes a file name, not - (the results already go to standard output; --json makes them one document)"],
  },
  "why -: the policy from stdin leaves no stdin for the log": {
    argv: () => ["why", "-"],
    code: 2,
    stderr: ["xsm: error: the policy is read from standard input (-), and so is the log when none is given: give the log (or the policy) as a file"],
  },
  "diff - -: stdin read twice": {
    argv: () => ["diff", "-", "-"],
    code: 2,
    stderr: ["xsm: error: standard input (-) can be read only once: give one of the policies as a file"],
  },
  "check --queries with a typo'd key": {
    argv: () => {
      writeFileSync(at("perms.json"), JSON.stringify([{ scontext: dom0, tcontext: nic, tclass: "resource", perms: ["plug"] }]));
      return ["check", small, "--queries", at("perms.json")];
    },
    code: 1,
    stderr: [`xsm: error: ${at("perms.json")}: /0/perm: missing (the query has "perms": a typo for "perm"?); a query is {"scontext", "tcontext", "tclass", "perm"}`],
  },
  "fmt: a carriage return is located at its line and column (in an m4 source, in the build's words)": {
    argv: () => {
      writeFileSync(at("crlf.te"), "type a_t;\nallow a_t self:xen settime;\r\n");
      return ["fmt", at("crlf.te")];
    },
    code: 1,
    stderr: [`${at("crlf.te")}:2:28: error: a carriage return (CR) outside a comment: checkpolicy rejects it ('unrecognized character'); remove it`],
  },
  "fmt: a carriage return in a policy.conf is located at its line and column": {
    argv: () => {
      writeFileSync(at("crlf.conf"), "type a_t;\nallow a_t self:xen settime;\r\n");
      return ["fmt", at("crlf.conf")];
    },
    code: 1,
    stderr: [`${at("crlf.conf")}:2:28: error: a carriage return (CR) outside a comment: checkpolicy rejects it ('unrecognized character'); convert the file to LF line endings (dos2unix) first`],
  },
  "info --sensitivity NAME on a policy.conf read without -M": {
    argv: () => ["info", small, "--sensitivity", "s0"],
    code: 1,
    stderr: ["xsm: error: --sensitivity: the policy is not MLS, so it has no sensitivities (a policy.conf is read as MLS with -M, as checkpolicy -M; a binary says itself)"],
  },
  "info with no policy at all": {
    argv: () => ["info"],
    code: 2,
    stderr: ["xsm: error: missing required argument 'policy'", "(run 'npx xsm info --help' for usage)"],
  },
  "info --pirqcon: not a number": {
    argv: () => ["info", small, "--pirqcon", "abc"],
    code: 1,
    stderr: ["xsm: error: --pirqcon: 'abc' is not an IRQ number"],
  },
};

describe("xsm on adversarial input", () => {
  for (const [name, row] of Object.entries(ROWS)) {
    it(name, async () => {
      const r = await xsm(...row.argv());
      // the temporary directory's random name is left out: mkdtemp's six letters can spell NaN
      const all = `${r.stdout}${r.stderr}`.replaceAll(tmp, "<tmp>");
      expect(r.code, r.stderr).toBe(row.code);
      expect(all).not.toMatch(STACK_LINE);
      expect(all).not.toMatch(/\bundefined\b|\[object Object\]|\bNaN\b|internal error/);
      for (const want of row.stderr) {
        if (typeof want === "string") expect(r.stderr.split("\n"), r.stderr).toContain(want);
        else expect(r.stderr).toMatch(want);
      }
      if (row.stdout !== undefined) expect(r.stdout).toBe(row.stdout);
      for (const f of row.noFiles?.() ?? []) expect(existsSync(f), `${f} was written`).toBe(false);
    });
  }

  it("a good run of the pcidevicecon rows finds the label by address, by 0x key and by decimal key", async () => {
    for (const key of ["0000:03:00.0", "03:00.0", "0x300", "768"]) {
      const r = await xsm("info", small, "--pcidevicecon", key);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("pcidevicecon 768 system_u:object_r:nic_t");
    }
  });

  it("simulate --svg/--dot and test --junit never replace a policy the scenario reads (svg replaced svp.conf)", async () => {
    // the scenario's policy and a load_policy step's are read as the scenario file is
    const dir = at("scenario-inputs");
    mkdirSync(dir);
    const svp = readFileSync("examples/svp/svp.conf", "utf8");
    writeFileSync(join(dir, "svp.conf"), svp);
    writeFileSync(join(dir, "next.conf"), svp);
    const scenario = JSON.parse(readFileSync("examples/svp/nested-trust.json", "utf8")) as { steps: unknown[] };
    scenario.steps.push({ op: "load_policy", policy: "next.conf", expect: { rc: 0 } });
    writeFileSync(join(dir, "s.json"), JSON.stringify(scenario));
    const s = join(dir, "s.json");
    for (const [argv, option, what, target] of [
      [["simulate", s, "--svg", join(dir, "svp.conf")], "--svg", "SVG picture", "svp.conf"],
      [["simulate", s, "--dot", join(dir, "next.conf")], "--dot", "picture", "next.conf"],
      [["test", s, "--junit", join(dir, "next.conf")], "--junit", "JUnit report", "next.conf"],
    ] as const) {
      const r = await xsm(...argv);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`xsm: error: ${option} ${join(dir, target)}: cannot write the ${what}: it is one of the files read, which writing it would lose; give another file\n`);
      expect(readFileSync(join(dir, target), "utf8"), target).toBe(svp);
    }
  });

  it.skipIf(!hasM4)("simulate --svg never replaces a source file of a policy tree the scenario builds (needs GNU m4)", async () => {
    const tree = at("tree-scenario");
    cpSync("examples/xen-flask", tree, { recursive: true });
    const scenario = JSON.parse(readFileSync(join(tree, "lifecycle.json"), "utf8")) as { policy: string };
    scenario.policy = ".";
    writeFileSync(join(tree, "t.json"), JSON.stringify(scenario));
    const te = join(tree, "modules", "dom0.te");
    const before = readFileSync(te, "utf8");
    const r = await xsm("simulate", join(tree, "t.json"), "--svg", te);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`xsm: error: --svg ${te}: cannot write the SVG picture: it is one of the files read, which writing it would lose; give another file\n`);
    expect(readFileSync(te, "utf8")).toBe(before);
    // a new file in the tree's directory is no source of it
    expect((await xsm("simulate", join(tree, "t.json"), "--svg", join(tree, "pic.svg"))).code).toBe(0);
  });

  it("compile -o over an existing file leaves it as it was when the compile fails, and replaces it whole when it succeeds", async () => {
    const out = at("kept.bin");
    writeFileSync(out, "old");
    expect((await xsm("compile", errors, "-o", out)).code).toBe(1);
    expect(readFileSync(out, "utf8")).toBe("old");
    expect((await xsm("compile", small, "-o", out)).code).toBe(0);
    expect(readFileSync(out).subarray(0, 4)).toEqual(Buffer.from([0x8c, 0xff, 0x7c, 0xf9]));
  });
});
