// Module names with capitals, as Xen's tools/flask/policy/Makefile.common reads modules.conf
// (ENABLED_LIST: awk '/^[ \t]*[a-z]/{ if ($3 == "on") print $1 }'): a name may hold capitals, but
// a line whose name starts with one is never read, so that module is never built however it is
// switched. The language server agrees with the build: a camelCase module's names are the tree's,
// a Capitalised one's are not (its outline, built with it "on", still has none of them).
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { DocumentSymbol, Hover } from "vscode-languageserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasM4 } from "../tools.js";
import { inProcess, repoRoot, type TestClient } from "./client.js";

describe.skipIf(!hasM4)("module names with capitals (needs GNU m4)", () => {
  let dir: string;
  let c: TestClient;
  const uriOf = (file: string) => pathToFileURL(join(dir, file)).href;
  const outline = (file: string) =>
    c.rpc.sendRequest("textDocument/documentSymbol", {
      textDocument: { uri: uriOf(file) },
    }) as Promise<DocumentSymbol[]>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "xsm-lsp-modules-"));
    cpSync(join(repoRoot, "examples/xen-flask"), dir, { recursive: true });
    writeFileSync(join(dir, "modules/guestBar.te"), "type camel_t;\n");
    writeFileSync(join(dir, "modules/GuestUp.te"), "type capital_t;\n");
    const conf = join(dir, "modules/modules.conf");
    writeFileSync(conf, `${readFileSync(conf, "utf8")}guestBar = on\nGuestUp = on\n`);
    c = await inProcess({ debounceMs: 20 });
    for (const file of ["modules/guestBar.te", "modules/GuestUp.te"]) {
      const first = c.diagnostics(uriOf(file));
      await c.open(uriOf(file), readFileSync(join(dir, file), "utf8"));
      await first;
    }
  });
  afterAll(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a name with capitals after its first letter: built, its names the tree's", async () => {
    const symbols = await outline("modules/guestBar.te");
    expect(symbols.map((s) => `${s.detail} ${s.name}`)).toEqual(["type camel_t"]);
    const hover = (await c.rpc.sendRequest("textDocument/hover", {
      textDocument: { uri: uriOf("modules/guestBar.te") },
      position: { line: 0, character: 6 },
    })) as Hover | null;
    expect((hover?.contents as { value: string } | undefined)?.value).toMatch(
      /^\*\*type\*\* `camel_t`/,
    );
  });

  it("a name that starts with a capital: never built, even switched on", async () => {
    expect(await outline("modules/GuestUp.te")).toEqual([]);
    const hover = await c.rpc.sendRequest("textDocument/hover", {
      textDocument: { uri: uriOf("modules/GuestUp.te") },
      position: { line: 0, character: 6 },
    });
    expect(hover).toBeNull();
  });
});
