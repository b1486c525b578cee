// xsm lsp stays responsive on a big policy: the compiler runs in a worker thread, so a request sent
// while the analysis of a change runs is answered before that analysis ends, and a change cancels
// the analysis of the version before it, whose result is never published. Ordering, not timing: the
// server's trace says when an analysis starts, is cancelled and ends.
import { pathToFileURL } from "node:url";
import type { Hover } from "vscode-languageserver";
import { afterEach, describe, expect, it } from "vitest";
import type { RunnerEvent } from "../../src/lsp/runner.js";
import { inProcess, type TestClient } from "./client.js";

const XEN_SIDS = ["xenboot", "xen", "dom0", "domio", "domxen", "unlabeled", "security", "ioport", "iomem", "irq", "device", "domU", "domDM"];

/** A policy big enough that its analysis takes a while (thousands of types, tens of thousands of
 *  rules); `extra` goes into the TE section. */
function bigPolicy(extra = ""): string {
  const types = 3000;
  const out = [
    // Xen's initial SIDs in its order (or the editor warns: initial-sid-order)
    "class xen", "class domain", ...XEN_SIDS.map((s) => `sid ${s}`),
    "class xen { settime readconsole physinfo }",
    "class domain { create destroy getdomaininfo pause unpause }",
    "attribute domain_type;", "attribute object_type;",
  ];
  for (let i = 0; i < types; i++) out.push(`type t${i}_t, ${i % 2 ? "domain_type" : "object_type"};`);
  out.push("bool guest_debug false;");
  for (let i = 0; i < 25_000; i++) {
    const perms = ["create", "destroy", "getdomaininfo", "pause", "unpause"].filter((_, k) => (i >> k) & 1);
    out.push(`allow t${(i * 7) % types}_t t${(i * 13 + 1) % types}_t:domain { ${perms.length ? perms.join(" ") : "pause"} };`);
  }
  out.push("if (guest_debug) { allow domain_type object_type:xen readconsole; }");
  out.push(extra);
  out.push("role system_r;", "role system_r types { domain_type object_type };", "user system_u roles system_r;");
  out.push(...XEN_SIDS.map((s, i) => `sid ${s} system_u:system_r:t${i}_t`), "");
  return out.join("\n");
}

const uri = pathToFileURL("/big-policy/policy.conf").href;
const text = bigPolicy();
const ruleLine = text.split("\n").findIndex((l) => l.startsWith("allow t0_t"));

let c: TestClient | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

/** The server in process, with its trace recorded and a waiter for a given event. */
async function traced() {
  const events: RunnerEvent[] = [];
  const waiting: { want: (e: RunnerEvent) => boolean; done: () => void }[] = [];
  // (lint off: the policy repeats its rules by the thousand, and what is measured is the compile)
  const client = await inProcess(
    {
      debounceMs: 20,
      trace: (e) => {
        events.push(e);
        for (const w of [...waiting]) if (w.want(e)) (waiting.splice(waiting.indexOf(w), 1), w.done());
      },
    },
    {},
    {},
    { lint: false },
  );
  const next = (event: RunnerEvent["event"], version: number) =>
    new Promise<void>((done) => {
      if (events.some((e) => e.event === event && e.version === version)) done();
      else waiting.push({ want: (e) => e.event === event && e.version === version, done });
    });
  return { client, events, next };
}

/** A change as an editor sends it with incremental sync: one line inserted at `line`. */
function insertLine(client: TestClient, version: number, line: number, newText: string) {
  return client.rpc.sendNotification("textDocument/didChange", {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: `${newText}\n` }],
  });
}

describe("xsm lsp on a big policy", () => {
  it("a change back to the text last analysed is published again without a new analysis", async () => {
    const t = await traced();
    c = t.client;
    const first = c.diagnostics(uri);
    await c.open(uri, text);
    await first;
    const again = c.diagnostics(uri, (p) => p.version === 3);
    await insertLine(c, 2, ruleLine, "# a comment");
    await c.rpc.sendNotification("textDocument/didChange", {
      textDocument: { uri, version: 3 },
      contentChanges: [{ range: { start: { line: ruleLine, character: 0 }, end: { line: ruleLine + 1, character: 0 } }, text: "" }],
    });
    expect((await again).diagnostics).toEqual([]);
    // version 3 is never analysed (version 2, if it started before 3 came, was cancelled)
    expect(t.events.filter((e) => e.event === "start" && e.version === 3)).toEqual([]);
    expect(t.events.filter((e) => e.event === "done").map((e) => e.version)).toEqual([1]);
  }, 120_000);

  it("answers a hover while the analysis of a change runs, before that analysis ends", async () => {
    const t = await traced();
    c = t.client;
    const first = c.diagnostics(uri);
    await c.open(uri, text);
    expect((await first).diagnostics).toEqual([]);
    expect(t.events.some((e) => e.event === "fallback")).toBe(false); // the analysis ran in a worker

    const published = c.diagnostics(uri, (p) => p.version === 2);
    await insertLine(c, 2, ruleLine, "# a comment");
    await t.next("start", 2);
    const hover = (await c.rpc.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: ruleLine + 1, character: 7 } })) as Hover;
    const answeredAfter = t.events.length;
    expect((hover.contents as { value: string }).value).toMatch(/^\*\*type\*\* `t0_t`/);
    await published;
    // the hover came while version 2 was being analysed: its "done" is after the answer
    expect(t.events.slice(0, answeredAfter).some((e) => e.event === "done" && e.version === 2)).toBe(false);
    expect(t.events.slice(answeredAfter).some((e) => e.event === "done" && e.version === 2)).toBe(true);
  }, 120_000);

  it("a change cancels the analysis of the version before it; only the newest version's diagnostics are published", async () => {
    const t = await traced();
    c = t.client;
    // every publish for the document, in order, until version 3's
    const seen: (number | undefined)[] = [];
    const third = c.diagnostics(uri, (p) => (seen.push(p.version), p.version === 3));
    const first = c.diagnostics(uri);
    await c.open(uri, text);
    await first;

    // version 2 names an undeclared type; version 3 (sent while 2 is being analysed) another one
    await insertLine(c, 2, ruleLine, "allow t0_t nosuch2_t:domain create;");
    await t.next("start", 2);
    await insertLine(c, 3, ruleLine, "allow t0_t nosuch3_t:domain create;");
    await t.next("cancel", 2);
    const diags = (await third).diagnostics;
    expect(diags.map((d) => [d.range.start.line, d.code])).toEqual([
      [ruleLine, "undeclared"],
      [ruleLine + 1, "undeclared"],
    ]);
    expect(diags.map((d) => d.message).join("\n")).toMatch(/nosuch3_t[\s\S]*nosuch2_t|nosuch2_t[\s\S]*nosuch3_t/);
    expect(t.events.some((e) => e.event === "done" && e.version === 2)).toBe(false);
    expect(seen).toEqual([1, 3]);
  }, 120_000);
});
