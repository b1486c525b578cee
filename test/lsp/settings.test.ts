// The client's `xsm` settings after initialize: workspace/didChangeConfiguration carries them (a
// client that cannot answer workspace/configuration) or says they changed (one that can: they are
// pulled, at initialized too). The open documents are analysed again when MLS or the flask
// directory change; the inlay hints follow at the next request, and a client that supports it is
// asked to fetch them again. A setting left out is what the command line and initialize gave;
// a wrong one is said (window/showMessage, naming the key) and changes nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { InlayHint, PublishDiagnosticsParams } from "vscode-languageserver";
import { describe, expect, it } from "vitest";
import { inProcess, repoRoot, type TestClient } from "./client.js";

const mlsPath = join(repoRoot, "test/fixtures/mls/devices.conf");
const mlsText = readFileSync(mlsPath, "utf8");
const mlsUri = pathToFileURL(mlsPath).href;

const plain = [
  "class c",
  "sid s",
  "class c { p q }",
  "attribute vm;",
  "type t, vm;",
  "type u, vm;",
  "allow vm t:c { p q };",
  "role r;",
  "role r types { t u };",
  "user s_u roles r;",
  "sid s s_u:r:t",
  "",
].join("\n");
const plainUri = pathToFileURL(join(repoRoot, "test/fixtures/lsp/settings.conf")).href;

const errors = (p: PublishDiagnosticsParams) => p.diagnostics.filter((d) => d.severity === 1);
/** MLS read as MLS: no error. Without -M: the one error that says to use it. */
const asMls = (p: PublishDiagnosticsParams) => errors(p).length === 0;
const notMls = (p: PublishDiagnosticsParams) =>
  errors(p).length === 1 && /-M/.test(errors(p)[0]!.message);

const change = (c: TestClient, settings: unknown) =>
  c.rpc.sendNotification("workspace/didChangeConfiguration", { settings });
/** Answered once the analysis of the texts as they are now ends (and its diagnostics are out). */
const analysed = (c: TestClient, uri: string) =>
  c.rpc.sendRequest("textDocument/documentSymbol", { textDocument: { uri } });
const hintsOf = (c: TestClient, uri: string) =>
  c.rpc.sendRequest("textDocument/inlayHint", {
    textDocument: { uri },
    range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
  }) as Promise<InlayHint[]>;
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
}

describe("xsm lsp: settings carried by workspace/didChangeConfiguration", () => {
  it("MLS on and off again: the open policy is analysed again each time", async () => {
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(mlsUri);
      await c.open(mlsUri, mlsText);
      expect(notMls(await first)).toBe(true);
      let next = c.diagnostics(mlsUri);
      await change(c, { xsm: { mls: true } });
      expect(asMls(await next)).toBe(true);
      // left out: what the command line and initialize gave (not MLS)
      next = c.diagnostics(mlsUri);
      await change(c, { xsm: {} });
      expect(notMls(await next)).toBe(true);
      next = c.diagnostics(mlsUri);
      await change(c, { other: 1, xsm: { mls: true, trace: { server: "verbose" } } });
      expect(asMls(await next)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it("over the command line's --mls and initializationOptions; null is left out", async () => {
    const c = await inProcess({ debounceMs: 20, mls: true });
    try {
      const first = c.diagnostics(mlsUri);
      await c.open(mlsUri, mlsText);
      expect(asMls(await first)).toBe(true);
      let next = c.diagnostics(mlsUri);
      await change(c, { xsm: { mls: false } });
      expect(notMls(await next)).toBe(true);
      next = c.diagnostics(mlsUri);
      await change(c, { xsm: { mls: null } });
      expect(asMls(await next)).toBe(true);
    } finally {
      await c.close();
    }
    const d = await inProcess({ debounceMs: 20 }, {}, {}, { mls: true });
    try {
      const first = d.diagnostics(mlsUri);
      await d.open(mlsUri, mlsText);
      expect(asMls(await first)).toBe(true);
      const next = d.diagnostics(mlsUri);
      await change(d, null);
      await analysed(d, mlsUri);
      // nothing changed: no analysis, nothing published
      const published = d.published();
      await change(d, { xsm: { mls: true } });
      await analysed(d, mlsUri);
      expect(d.published()).toBe(published);
      await change(d, { xsm: { mls: false } });
      expect(notMls(await next)).toBe(true);
    } finally {
      await d.close();
    }
  });

  it("a wrong setting is said with its key and changes nothing, the others with it neither", async () => {
    const c = await inProcess({ debounceMs: 20 });
    try {
      const first = c.diagnostics(plainUri);
      await c.open(plainUri, plain);
      expect(errors(await first)).toEqual([]);
      const cases: [unknown, string][] = [
        [
          { xsm: { mls: true, inlayHints: { attributeTypes: "no" } } },
          'xsm.inlayHints.attributeTypes: expected true or false; got "no"',
        ],
        [
          { xsm: { inlayHints: { types: false } } },
          "xsm.inlayHints.types: expected no such option (parameterNames, attributeTypes); got false",
        ],
        [
          { xsm: { mls: 1, inlayHints: { attributeTypes: false } } },
          "xsm.mls: expected true or false; got 1",
        ],
        [{ xsm: [] }, "xsm: expected an object { flaskDir?, mls?, lint?, inlayHints? }; got []"],
        [
          { xsm: { flaskDir: 7 } },
          "xsm.flaskDir: expected a path (Xen's xen/xsm/flask/policy); got 7",
        ],
        [
          { xsm: { flaskDir: "/nonexistent/flask" } },
          `xsm.flaskDir: expected Xen's xen/xsm/flask/policy directory, with security_classes in it; got "/nonexistent/flask" (no such directory)`,
        ],
        [
          { xsm: { flaskDir: join(repoRoot, "test") } },
          `got ${JSON.stringify(join(repoRoot, "test"))} (no security_classes in it)`,
        ],
      ];
      for (const [settings, said] of cases) {
        const published = c.published();
        const message = c.message();
        await change(c, settings);
        const m = await message;
        expect(m.startsWith("1 xsm: "), m).toBe(true);
        expect(m).toContain(said);
        expect(m).toMatch(/; the settings are left as they were$/);
        await analysed(c, plainUri);
        expect(c.published()).toBe(published);
        expect((await hintsOf(c, plainUri)).map((h) => h.label)).toEqual(["(2 types)"]);
      }
    } finally {
      await c.close();
    }
  });

  it("initialize refuses a flask directory without security_classes, as --flask-dir does", async () => {
    const c = await inProcess({ debounceMs: 20 });
    try {
      const init = {
        processId: null,
        rootUri: null,
        capabilities: {},
        initializationOptions: { flaskDir: "/nonexistent/flask" },
      };
      await expect(c.rpc.sendRequest("initialize", init)).rejects.toThrow(
        /^xsm: params\.initializationOptions\.flaskDir: expected Xen's xen\/xsm\/flask\/policy directory, with security_classes in it; got "\/nonexistent\/flask" \(no such directory\)$/,
      );
    } finally {
      await c.close();
    }
  });
});

describe("xsm lsp: settings pulled with workspace/configuration", () => {
  const capabilities = {
    workspace: {
      configuration: true,
      didChangeConfiguration: { dynamicRegistration: true },
      inlayHint: { refreshSupport: true },
    },
  };

  it("at initialized and at each change; the inlay hints fetched again when they change", async () => {
    const c = await inProcess({ debounceMs: 20 }, capabilities, {
      xsm: { mls: true, inlayHints: { attributeTypes: false } },
    });
    try {
      // registered for the notification VS Code sends only to who registers, and pulled once
      await until(
        () =>
          c.asked.includes("client/registerCapability") &&
          c.asked.includes("workspace/configuration"),
      );
      await c.open(mlsUri, mlsText);
      await c.diagnostics(mlsUri, asMls);
      await c.open(plainUri, plain);
      await analysed(c, plainUri);
      expect(await hintsOf(c, plainUri)).toEqual([]);

      // the notification's own settings are not read: the client is asked
      c.settings = { xsm: { inlayHints: { attributeTypes: true } } };
      const asked = c.asked.length;
      const next = c.diagnostics(mlsUri);
      await change(c, { xsm: { mls: true } });
      expect(notMls(await next)).toBe(true);
      expect(c.asked.slice(asked)).toContain("workspace/configuration");
      await until(() => c.asked.slice(asked).includes("workspace/inlayHint/refresh"));
      expect((await hintsOf(c, plainUri)).map((h) => h.label)).toEqual(["(2 types)"]);

      // a wrong pulled setting: said, nothing changed
      c.settings = { xsm: { mls: "on" } };
      const message = c.message();
      await change(c, null);
      expect(await message).toMatch(
        /^1 xsm: xsm\.mls: expected true or false; got "on"; the settings are left as they were$/,
      );
      expect((await hintsOf(c, plainUri)).map((h) => h.label)).toEqual(["(2 types)"]);
    } finally {
      await c.close();
    }
  });
});
