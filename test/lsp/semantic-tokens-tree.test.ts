// Semantic tokens in a policy tree's m4 sources (examples/xen-flask, built with m4 as `xsm build`
// builds it): the names m4 carried into policy.conf, each placed back in the .te/.if line it came
// from and classified as the resolved policy says; calls of the tree's interfaces as macros, the
// defining `define` as a declaration, m4's builtins, `dnl` and `#` as comments, a name m4 makes
// (`$1_self`) as what it makes, a bare `$1` as nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { SemanticTokens } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";
import { brokenRule, decodeTokens, show } from "./tokens-decode.js";

const tree = join(repoRoot, "examples/xen-flask");
const file = (name: string) => {
  const path = join(tree, name);
  return { text: readFileSync(path, "utf8"), uri: pathToFileURL(path).href };
};
const dom0 = file("modules/dom0.te");
const xenIf = file("modules/xen.if");

describe.skipIf(!hasM4)("semantic tokens in a policy tree (needs GNU m4)", () => {
  let c: TestClient;
  const tokens = async (f: { text: string; uri: string }) => {
    const got = await c.rpc.sendRequest<SemanticTokens>("textDocument/semanticTokens/full", { textDocument: { uri: f.uri } });
    expect(brokenRule(got.data, f.text)).toBeUndefined();
    return decodeTokens(got.data, f.text);
  };
  const onLine = (all: ReturnType<typeof decodeTokens>, text: string, prefix: string) => {
    const line = text.split("\n").findIndex((l) => l.startsWith(prefix));
    expect(line, prefix).toBeGreaterThanOrEqual(0);
    return all.filter((t) => t.line === line).map((t) => `${t.text} ${[t.type, ...t.mods].join("+")}`);
  };
  beforeAll(async () => {
    c = await inProcess({ debounceMs: 50 });
    const first = c.diagnostics(dom0.uri);
    await c.open(dom0.uri, dom0.text);
    await first;
    await c.open(xenIf.uri, xenIf.text);
  });
  afterAll(() => c.close());

  it("a module's rules and interface calls", async () => {
    const all = await tokens(dom0);
    expect(onLine(all, dom0.text, "allow dom0_t xen_t:xen {")).toEqual(["allow keyword", "dom0_t type", "xen_t type", "xen class"]);
    expect(onLine(all, dom0.text, "\tsettime tbufcontrol")).toEqual(["settime", "tbufcontrol", "readconsole", "clearconsole", "perfcontrol", "mtrr_add"].map((p) => `${p} property`));
    expect(onLine(all, dom0.text, "if (dom0_reads_cmdline)")).toEqual(["if keyword", "dom0_reads_cmdline variable"]);
    expect(onLine(all, dom0.text, "admin_device(dom0_t, device_t)")).toEqual(["admin_device macro", "dom0_t type", "device_t type"]);
    expect(onLine(all, dom0.text, "# dom0: every sysctl")).toEqual(["# dom0: every sysctl and platform op, every device, the security server. comment"]);
  });

  it("an interface file: define and its name, builtins, the body's names, a name m4 makes (`$1_self`) as what it makes, a bare `$1` left alone", async () => {
    const all = await tokens(xenIf);
    expect(onLine(all, xenIf.text, "define(`declare_domain_common'")).toEqual(["define function+defaultLibrary", "declare_domain_common macro+declaration"]);
    expect(onLine(all, xenIf.text, "\tallow $1 $2:grant { query setup };")).toEqual(["allow keyword", "grant class", "query property", "setup property"]);
    expect(onLine(all, xenIf.text, "\ttype $1_self, domain_type, domain_self_type;")).toEqual(["type keyword", "$1_self type+declaration", "domain_type interface", "domain_self_type interface"]);
    // the argument that makes the type declare_domain_common's `$2` stands for
    expect(onLine(all, xenIf.text, "\tdeclare_domain_common($1, $1_self)")).toEqual(["declare_domain_common macro", "$1_self type"]);
    // $# is m4's argument count, not a comment
    expect(onLine(all, xenIf.text, "\ttype $1, domain_type`'ifelse(`$#'")).toContain("ifelse function+defaultLibrary");
    // a parameter alone passes on what it was given: never a token of its own
    const made = all.filter((t) => t.text.includes("$"));
    expect(made.length).toBeGreaterThan(3);
    for (const t of made) expect(t.text).toMatch(/^(\$[0-9]|[A-Za-z0-9_])*[A-Za-z_](\$[0-9]|[A-Za-z0-9_])*$/);
  });

  it("dnl discards the rest of its line: a comment", async () => {
    const edited = { uri: xenIf.uri, text: `dnl a note, allow x_t y_t:c p;\n${xenIf.text}` };
    await c.change(xenIf.uri, 2, edited.text);
    const all = await tokens(edited);
    expect(all.filter((t) => t.line === 0).map(show)).toEqual(["0:0 dnl a note, allow x_t y_t:c p; comment"]);
  });
});
