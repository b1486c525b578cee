// The studio in a real browser: Debian's chromium driven by playwright-core, the page served by
// `xsm studio` (and, exported, by a plain static file server). Screenshots go to artifacts/browser/.
import { execFileSync, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  decide,
  deleteLastLine,
  eventually,
  examples,
  expectAttr,
  expectCount,
  expectExactText,
  expectNoText,
  expectOpenAtUnclosedString,
  expectText,
  expectTypingRefused,
  keepEvidence,
  openPage,
  problems,
  returnToPage,
  root,
  serve,
  shot,
  startBrowser,
  stopBrowser,
  undoAll,
  URL_LINE,
  withStudio,
  xsm,
} from "./support.js";

// (every studio these tests start serves a copy made here: none writes into examples/)
const scratch = mkdtempSync(join(tmpdir(), "xsm-studio-browser-"));

beforeAll(async () => {
  await startBrowser();
});

// (a failed test's pages and servers are kept under artifacts/browser/failures/, and named on stderr)
let started = 0;
beforeEach(() => {
  started = Date.now();
});
afterEach((ctx) => keepEvidence(ctx, started));

afterAll(async () => {
  await stopBrowser();
  rmSync(scratch, { recursive: true, force: true });
});

/** `xsm studio` on a copy of examples/svp named `name`, its page open at `query`. */
const onSvp = (name: string, body: Parameters<typeof withStudio>[1], query = "?view=decisions") => withStudio({ example: "svp", dir: scratch, name, query }, body);

describe("xsm studio in chromium", () => {
  const policyText = readFileSync(join(examples, "svp.conf"), "utf8").split("\n");
  const lineOf = (needle: string) => policyText.findIndex((l) => l.includes(needle)) + 1;
  const sidType = (sid: string) => policyText.find((l) => l.startsWith(`sid ${sid} `))!.split(":")[2]!.trim();

  it("loads the example policy: it compiles, with its outline and access grid", async () => {
    await onSvp("svp-loads", async ({ page }) => {
      await expectText(page.getByTestId("editor").locator(".cm-content"), "platform svp supervisor");
      await expectText(page.getByTestId("diagnostics"), "svp.conf: no diagnostics");
      await expectText(page.getByTestId("status"), "compiles");
      // the explorer's examples are the policy's own labels: dom0's SID, then the device SID's
      const form = page.getByTestId("decision-form");
      await expectAttr(form.locator("input[name=source]"), "placeholder", "svp_hwdom_t or user:role:type");
      await expectAttr(form.locator("input[name=target]"), "placeholder", `${sidType("device")} or user:role:type`);
      await expectText(page.getByTestId("outline"), "gvp1");
      // a policy.conf has no tree to pick files from
      expect(await page.getByTestId("tree-bar").isHidden()).toBe(true);
      // svp's hwdom manages every platform's devices; gvp1's cannot touch gvp2's
      const cell = (s: string, t: string, p: string) => page.getByTestId("access-grid").locator(`td[data-source="${s}"][data-target="${t}"][data-perm="${p}"]`);
      await expectAttr(cell("svp_hwdom_t", "gvp2_pci_t", "unplug"), "data-allowed", "true");
      await expectAttr(cell("gvp1_hwdom_t", "gvp2_pci_t", "unplug"), "data-allowed", "false");
      await cell("gvp1_hwdom_t", "gvp2_pci_t", "unplug").click();
      await expectText(page.getByTestId("decision-result"), "denied");
      await expectText(page.getByTestId("decision-result"), "no enabled allow rule grants it");
      await shot(page, "1-policy-and-grid");
    });
  });

  it("shows a diagnostic at the line where an error is typed, with the CLI's message and code", async () => {
    await onSvp("svp-diagnostic", async ({ page }) => {
      const line = lineOf("allow svp_hwdoms device_t:resource");
      const target = page.getByTestId("editor").locator(".cm-line", { hasText: "allow svp_hwdoms device_t:resource" });
      await target.click();
      await page.keyboard.press("Home");
      await page.keyboard.type("allow svp_hwdoms nosuch_t:resource plug;\n");
      const item = page.getByTestId("diagnostics").locator("li.diag.error");
      await expectCount(item, 1);
      await expectAttr(item, "data-line", String(line));
      await expectText(item, `svp.conf:${line}:18`);
      // the same message and code as `xsm compile` prints for this text
      const cli = cliCompile(policyText.slice(0, line - 1).concat("allow svp_hwdoms nosuch_t:resource plug;", policyText.slice(line - 1)).join("\n"));
      expect(cli).toContain(`:${line}:18: error:`);
      const message = /error: (.*)/.exec(cli)![1]!;
      await expectExactText(item.locator(".msg"), message);
      await expectExactText(page.getByTestId("editor").locator(".cm-lintRange-error"), "nosuch_t");
      await expectCount(page.getByTestId("editor").locator(".cm-gutter-lint .cm-lint-marker-error"), 1);
      await expectText(page.getByTestId("status"), "1 error");
      await shot(page, "2-diagnostic");
      // undone, it compiles clean again
      await undoAll(page);
      await expectText(page.getByTestId("diagnostics"), "no diagnostics");
    });
  });

  it("hovers a name, jumps to its definition, completes a scenario from the schema", async () => {
    await onSvp("svp-hover", async ({ page }) => {
      const editor = page.getByTestId("editor");
      await editor.locator(".cm-line", { hasText: "device gvp1_pci_t" }).locator("span", { hasText: /^gvp1_pci_t$/ }).hover();
      await expectText(page.locator(".cm-tooltip-hover"), "device label of platform gvp1: 0000:03:10.0");
      await expectText(page.locator(".cm-tooltip-hover"), "gvp1_devices");
      await editor.locator(".cm-line", { hasText: "allow svp_hwdoms xen_t:xen" }).locator("span", { hasText: /^xen_t$/ }).click();
      await page.keyboard.press("F12");
      await expectText(editor.locator(".cm-activeLine"), "type xen_t, xen_type;");
      // a rule: what it grants, one line per avtab key
      await editor.locator(".cm-line", { hasText: "allow { gvp1_hwdoms gvp2_hwdoms } xen_t:xen physinfo;" }).locator("span", { hasText: /^allow$/ }).hover();
      await expectText(page.locator(".cm-tooltip-hover"), "2 grants, one per avtab key");
      await expectText(page.locator(".cm-tooltip-hover"), "allow gvp2_hwdoms xen_t:xen { physinfo };");
      await shot(page, "2b-hover");
      await page.mouse.move(0, 0);

      await page.locator(".left .tabs [data-tab=scenario-json]").click();
      const json = page.getByTestId("scenario-editor");
      await json.locator(".cm-line", { hasText: '"strategy": "authority",' }).click();
      await page.keyboard.press("End");
      await page.keyboard.press("Enter");
      await page.keyboard.type('"io');
      // Enter accepts the selected option: wait until filtering has made it "iommu" (under load the
      // unfiltered list, which also contains "iommu", can still be showing with "booleans" selected)
      await expectText(page.locator(".cm-tooltip-autocomplete li[aria-selected=true]"), '"iommu"');
      // CodeMirror ignores Enter on a completion list younger than its interactionDelay (75 ms)
      await page.waitForTimeout(300);
      await page.keyboard.press("Enter");
      await expectText(json.locator(".cm-activeLine"), '"iommu"');
      await page.keyboard.type('"');
      await expectText(page.locator(".cm-tooltip-autocomplete"), '"nointremap"');
    });
  });

  it("answers svp_hwdom_t unplug gvp1_pci_t: allowed, with the rule that grants it", async () => {
    await onSvp("svp-answers", async ({ page }) => {
      await decide(page, "svp_hwdom_t", "gvp1_pci_t", "resource", "unplug");
      const result = page.getByTestId("decision-result");
      await expectAttr(result.locator(".decision"), "data-allowed", "true");
      await expectExactText(result.locator(".verdict"), "allowed");
      // the platform block that desugars to `allow svp_hwdoms svp_managed_devices:resource ...`
      const link = result.locator("li.granted-by a.rule-link");
      await expectExactText(link, `svp.conf:${lineOf("platform svp supervisor")}`);
      await expectText(result.locator("li.granted-by .rule-text"), "platform svp supervisor");
      await link.click();
      await expectText(page.locator(".cm-activeLine"), "platform svp supervisor");
      await shot(page, "3-decision");
    });
  });

  it("a binary policy (xsm studio policy.bin): the explorer and the grid answer as for svp.conf, and say what a binary cannot show", async () => {
    const cells = (page: Page) =>
      page.getByTestId("access-grid").locator("td.cell").evaluateAll((tds) => tds.map((td) => ["source", "target", "perm", "allowed"].map((k) => (td as HTMLElement).dataset[k]).join(" ")));
    let fromSource: string[] = [];
    await onSvp("svp-for-binary", async ({ page }) => {
        await expectCount(page.getByTestId("access-grid").locator("td.cell"), "some");
        fromSource = await cells(page);
    });
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-binary-"));
    try {
      const prepare = (copy: string) => void execFileSync(process.execPath, [xsm, "compile", join(copy, "svp.conf"), "-o", join(copy, "policy.bin")]);
      await withStudio({ example: "svp", dir, name: "svp", prepare, target: (copy) => join(copy, "policy.bin") }, async ({ page }) => {
        await expectText(page.getByTestId("status"), "compiles");
        await expectText(page.getByTestId("editor").locator(".cm-content"), "allow svp_hwdoms svp_managed_devices:resource");
        // its listing has an outline and hover, as svp.conf has (test/studio/binary.test.ts: the same entries)
        const outline = page.getByTestId("outline");
        await expectExactText(outline.locator("details[data-group=Rules] summary .count"), "17");
        await expectExactText(outline.locator("details[data-group='Initial SIDs'] summary .count"), "13");
        await outline.locator("details[data-group=Types] summary").click();
        await outline.locator("details[data-group=Types] li", { hasText: /^svp_hwdom_t$/ }).click();
        await expectText(page.locator(".cm-activeLine"), "type svp_hwdom_t, svp_managed_domains, svp_hwdoms, svp_platform_domain;");
        const ruleLine = page.getByTestId("editor").locator(".cm-line", { hasText: "allow svp_hwdoms svp_managed_devices:resource { stat_device" });
        await ruleLine.locator("span", { hasText: /^svp_managed_devices$/ }).hover();
        await expectText(page.locator(".cm-tooltip-hover"), "members: gvp1_pci_t gvp2_pci_t svp_pci_t");
        await page.mouse.move(0, 0);
        await ruleLine.locator("span", { hasText: /^allow$/ }).hover();
        await expectText(page.locator(".cm-tooltip-hover"), "allow svp_hwdoms svp_managed_devices:resource { stat_device add_device remove_device plug unplug setup };");
        await expectText(page.locator(".cm-tooltip-hover"), "svp_hwdoms: svp_hwdom_t");
        await shot(page, "3c-binary-outline-hover");
        await page.mouse.move(0, 0);
        // a name after `sid` is the SID's (xen is a class too), with what checkpolicy -b calls its number
        await outline.locator("details[data-group='Initial SIDs'] summary").click();
        await outline.locator("details[data-group='Initial SIDs'] li", { hasText: /^xen$/ }).click();
        const sidLine = page.getByTestId("editor").locator(".cm-line", { hasText: /^sid xen system_u/ });
        await sidLine.locator("span", { hasText: /^xen$/ }).hover();
        await expectText(page.locator(".cm-tooltip-hover .hover-head"), "sid xen");
        await expectText(page.locator(".cm-tooltip-hover"), "SID 2: checkpolicy -b names it dom0, seinfo domxen");
        await page.mouse.move(0, 0);
        await expectCount(page.getByTestId("access-grid").locator("td.cell"), fromSource.length);
        expect(await cells(page)).toEqual(fromSource);
        const result = page.getByTestId("decision-result");
        // granted: by a line of the binary's rule listing, which the link shows in the editor
        await decide(page, "svp_hwdom_t", "gvp1_pci_t", "resource", "unplug");
        await expectAttr(result.locator(".decision"), "data-allowed", "true");
        await expectExactText(result.locator(".verdict"), "allowed");
        const link = result.locator("li.granted-by a.rule-link");
        await expectAttr(link, "data-file", "policy.bin");
        await expectText(result.locator("li.granted-by .rule-text"), "allow svp_hwdoms svp_managed_devices:resource");
        await expectText(result.getByTestId("binary-note"), "policy.bin is a compiled binary policy: it keeps no source text, so no .conf line can be shown for the rules above.");
        await link.click();
        await expectText(page.locator(".cm-activeLine"), "allow svp_hwdoms svp_managed_devices:resource");
        await shot(page, "3b-decision-binary");
        // denied: no rule, as from svp.conf
        await decide(page, "gvp1_hwdom_t", "gvp2_pci_t", "resource", "unplug");
        await expectAttr(result.locator(".decision"), "data-allowed", "false");
        await expectExactText(result.locator(".verdict"), "denied");
        await expectText(result.locator("li.no-rule"), "no enabled allow rule grants it");
        // under it, the rules that come close (lines of the listing) and the rule that would grant it
        await expectText(result.getByTestId("near-otherSources"), "rules that grant it to this target from other sources:");
        await expectText(result.getByTestId("near-otherSources"), "(from gvp2_hwdom_t)");
        await expectAttr(result.getByTestId("near-otherTargets").locator("a.rule-link").first(), "data-file", "policy.bin");
        await expectText(result.getByTestId("near-proposal"), "audit2allow proposes: allow gvp1_hwdom_t gvp2_pci_t:resource unplug;");
        await expectText(result.getByTestId("binary-note"), "no .conf line can be shown for the rules above");
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a rule whose `if` checkpolicy merged into another's: the source says its own condition, and the hover and the explorer the binary's, which Xen decides by", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-merged-"));
    try {
      const conf = readFileSync(join(root, "test/fixtures/binary/edge/t5.conf"), "utf8");
      const prepare = (copy: string) => writeFileSync(join(copy, "t5.conf"), conf);
      await withStudio({ example: "svp", dir, name: "t5", prepare, target: (copy) => join(copy, "t5.conf") }, async ({ page }) => {
        await expectText(page.getByTestId("status"), "compiles");
        const outline = page.getByTestId("outline");
        await outline.locator("details[data-group=Rules] summary").click();
        await expectText(outline.locator("details[data-group=Rules] li", { hasText: "allow d1_t dom0_t:event" }), "if !b1 && b2");
        await page.getByTestId("editor").locator(".cm-line", { hasText: "allow d1_t dom0_t:event e0;" }).locator("span", { hasText: /^allow$/ }).hover();
        await expectText(page.locator(".cm-tooltip-hover [data-testid=held]"), "under if !b1 && b2 as written, under if b1 && !b2 in the binary (Xen decides by it)");
        await page.mouse.move(0, 0);
        // b1 true, b2 false (the defaults): granted, as Xen grants it
        await decide(page, "d1_t", "dom0_t", "event", "e0");
        const result = page.getByTestId("decision-result");
        await expectAttr(result.locator(".decision"), "data-allowed", "true");
        await expectText(result.getByTestId("merged-note"), `Line ${conf.split("\n").findIndex((l) => l.includes("allow d1_t dom0_t:event e0;")) + 1}'s rule is under if !b1 && b2 as written, and under if b1 && !b2 in the binary`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs nested-trust.json: the table's return codes are xsm simulate --compare --json's", async () => {
    await onSvp("svp-nested-trust", async ({ page }) => {
      const cli = JSON.parse(execFileSync(process.execPath, [xsm, "simulate", join(examples, "nested-trust.json"), "--compare", "--json"], { cwd: root, encoding: "utf8" })) as {
        strategies: { strategy: string; steps: { step: number; rc: number | string }[]; summary: Record<string, number | Record<string, string[]>> }[];
      };
      const table = page.getByTestId("scenario-table");
      await expectCount(table.locator("td.rc"), cli.strategies.length * cli.strategies[0]!.steps.length);
      const shown = await table.locator("td.rc").evaluateAll((tds) => tds.map((td) => [(td as HTMLElement).dataset.strategy, Number((td as HTMLElement).dataset.step), (td as HTMLElement).dataset.rc]));
      const expected = cli.strategies.flatMap((s) => s.steps.map((st) => [s.strategy, st.step, String(st.rc)]));
      expect(shown.sort()).toEqual(expected.sort());
      // each strategy's heading stands over its own column (one table layout, not a flex box of rows)
      for (const s of cli.strategies) {
        const head = await table.locator(`thead th[data-strategy=${s.strategy}]`).boundingBox();
        const cell = await table.locator(`td.rc[data-strategy=${s.strategy}]`).first().boundingBox();
        expect([s.strategy, Math.round(head!.x), Math.round(head!.width)]).toEqual([s.strategy, Math.round(cell!.x), Math.round(cell!.width)]);
      }
      for (const s of cli.strategies) {
        for (const [key, value] of Object.entries(s.summary).filter(([, v]) => typeof v === "number")) {
          await expectAttr(table.locator(`tr[data-summary=${key}] td[data-strategy=${s.strategy}]`), "data-value", String(value));
        }
        // the devices behind the counts, named as --compare names them
        for (const [key, sbdfs] of Object.entries(s.summary.devices as Record<string, string[]>)) {
          await expectAttr(table.locator(`tr[data-summary=${key}] td[data-strategy=${s.strategy}]`), "title", sbdfs.map((d) => d.replace(/^0000:/, "")).join(" "));
        }
      }
    }, "?scenario=nested-trust.json");
  });

  it("a scenario naming Xen 4.19.0: its own PF removal (pre-links) is a column and a tab, as in xsm simulate --compare, and the one first shown", async () => {
    await onSvp("svp-pre-links", async ({ page }) => {
      const file = join(examples, "xen-4.19.0-pf-removal.json");
      const cli = JSON.parse(execFileSync(process.execPath, [xsm, "simulate", file, "--compare", "--json"], { cwd: root, encoding: "utf8" })) as { strategies: { strategy: string; steps: { step: number; rc: number | string }[] }[] };
      const own = JSON.parse(execFileSync(process.execPath, [xsm, "simulate", file, "--json"], { cwd: root, encoding: "utf8" })) as { strategy: string; notes: string[] };
      const names = cli.strategies.map((s) => s.strategy);
      expect(names).toContain("pre-links");
      expect(own.strategy).toBe("pre-links");
      const table = page.getByTestId("scenario-table");
      await expectCount(table.locator("th.strategy"), names.length);
      expect(await table.locator("th.strategy").evaluateAll((ths) => ths.map((th) => (th as HTMLElement).dataset.strategy))).toEqual(names);
      const tabs = page.locator(".strategy-tabs button");
      expect(await tabs.evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset.strategy))).toEqual(names);
      await expectAttr(page.locator(".strategy-tabs button.active"), "data-strategy", "pre-links");
      const shown = await table.locator("td.rc").evaluateAll((tds) => tds.map((td) => [(td as HTMLElement).dataset.strategy, Number((td as HTMLElement).dataset.step), (td as HTMLElement).dataset.rc]));
      expect(shown.sort()).toEqual(cli.strategies.flatMap((s) => s.steps.map((st) => [s.strategy, st.step, String(st.rc)])).sort());
      // the notes are the file's own run's (pre-links), as --compare prints them
      expect(await page.getByTestId("run-note").allTextContents()).toEqual(own.notes.map((n) => `note: ${n}`));
    }, "?scenario=xen-4.19.0-pf-removal.json&strategy=pre-links&step=2");
  });

  it("a scenario naming its Xen: the run's notes under the table, as xsm simulate prints them", async () => {
    await onSvp("svp-xsa-492", async ({ page }) => {
      const cli = JSON.parse(execFileSync(process.execPath, [xsm, "simulate", join(examples, "xsa-492-assign-order.json"), "--json"], { cwd: root, encoding: "utf8" })) as { notes: string[] };
      const notes = page.getByTestId("run-note");
      await expectCount(notes, cli.notes.length);
      expect(await notes.allTextContents()).toEqual(cli.notes.map((n) => `note: ${n}`));
      expect(cli.notes[0]).toMatch(/^Xen 4\.22\.0: /);
    }, "?scenario=xsa-492-assign-order.json");
  });

  it("step 14 under upstream: the picture marks the PF and its VF broken; another strategy keeps the step", async () => {
    await onSvp("svp-step14", async ({ page, url }) => {
      await page.getByTestId("step-list").locator("..").locator(".strategy-tabs [data-strategy=upstream]").click();
      await page.getByTestId("step-list").locator("li[data-step='14']").click();
      const svg = page.locator("svg[data-testid=topology][data-step='14'][data-strategy=upstream]");
      await expectCount(svg, 1);
      // (exit 1: the file's expectations are written for `authority`)
      const state = JSON.parse(spawnSync(process.execPath, [xsm, "simulate", join(examples, "nested-trust.json"), "--strategy", "upstream", "--until", "14", "--json"], { cwd: root, encoding: "utf8" }).stdout) as {
        state: { devices: { sbdf: string; kind: string; broken: boolean }[] };
      };
      const broken = state.state.devices.filter((d) => d.broken);
      expect(broken.map((d) => d.kind).sort()).toEqual(["pf", "vf"]);
      for (const d of broken) {
        const node = svg.locator(`g[id="dev-${d.sbdf}"]`);
        await expectAttr(node, "class", new RegExp(`\\bbroken\\b`));
        await expectText(node, "BROKEN");
      }
      for (const d of state.state.devices.filter((x) => !x.broken)) await expectNoText(svg.locator(`g[id="dev-${d.sbdf}"]`), "BROKEN");
      const log = page.getByTestId("step-log");
      await expectText(log, "rc -EBUSY");
      await expectText(log.locator("li.xsm").first(), "resource_unplug_pci");
      await shot(page, "4-nested-trust-step14-upstream");

      await page.locator(".strategy-tabs [data-strategy=authority]").click();
      await expectCount(page.locator("svg[data-testid=topology][data-step='14'][data-strategy=authority]"), 1);
      await expectAttr(page.getByTestId("step-list").locator("li.selected"), "data-step", "14");
      // a denied access is drawn in red: step 10, gvp1's hwdom asking to remove the supervisor's PF
      await page.getByTestId("step-list").locator("li[data-step='10']").click();
      await expectCount(page.locator("svg[data-testid=topology][data-step='10'] g.edge.denied"), "some");
      await shot(page, "4b-nested-trust-step10-denied");
      if (process.env.XSM_UPDATE_DOCS) {
        // README's picture: the scenario's JSON beside the runner
        await page.goto(`${url}?scenario=nested-trust.json&strategy=upstream&step=14&edit=scenario`);
        await page.waitForSelector("svg[data-testid=topology][data-step='14']");
        await page.screenshot({ path: join(root, "docs/studio-nested-trust.png") });
      }
    }, "?scenario=nested-trust.json");
  });

  it("split-drivers: event channels between domains are edges, the created guest's unbound port a mark", async () => {
    await withStudio({ example: "xen-flask", dir: scratch, name: "flask-split-drivers", query: "?scenario=split-drivers.json&strategy=upstream&step=17" }, async ({ page }) => {
      const svg = page.locator("svg[data-testid=topology][data-step='17']");
      await expectCount(svg, 1);
      // the netfront/netback pair, xenstore's ring channel to the new guest, web's vchan to db
      for (const id of ["chan-dom0-1-web-1", "chan-xenstore-1-shop-1", "chan-web-2-db-1"]) await expectAttr(svg.locator(`g[id="${id}"]`), "class", /\bchannel\b/);
      await expectCount(svg.locator("g.edge.channel"), 3);
      await expectText(svg.locator('g[id="chan-dom0-1-web-1"]'), "dom0_t_channel | domU_t_channel");
      await expectCount(svg.locator('g[id="unbound-shop"].unbound'), 1);
      // the tree is the directory's policy, but the scenario names policy.conf: no tree bar for it
      // (named by its directory, not ".")
      expect(await page.getByTestId("file-select").locator("option").allTextContents()).toContain("policy tree · flask-split-drivers/");
      await expectText(page.locator(".left .tabs"), "policy.conf");
      expect(await page.getByTestId("tree-bar").isHidden()).toBe(true);
      await shot(page, "6-split-drivers-step17-channels");
      // web closes its end (step 18): the edge is gone, dom0's end is left unbound
      await page.getByTestId("step-list").locator("li[data-step='18']").click();
      const after = page.locator("svg[data-testid=topology][data-step='18']");
      await expectCount(after, 1);
      await expectCount(after.locator('g[id="chan-dom0-1-web-1"]'), 0);
      await expectCount(after.locator('g[id="unbound-dom0"].unbound'), 1);
    });
  });

  it("every boolean of xen-flask is a checkbox beside its name inside the form; setting prot_doms_locked answers as xsm check --bool does", async () => {
    await withStudio({ example: "xen-flask", dir: scratch, name: "flask-booleans", query: "?policy=policy.conf&view=decisions" }, async ({ page }) => {
      const form = page.getByTestId("decision-form");
      const labels = form.locator("label.bool");
      await expectCount(labels, 3);
      const formBox = (await form.boundingBox())!;
      for (const label of await labels.all()) {
        const box = (await label.boundingBox())!;
        const check = (await label.locator("input[type=checkbox]").boundingBox())!;
        // inside the form (none pushed out of the pane), the box next to the name
        expect(box.x + box.width).toBeLessThanOrEqual(formBox.x + formBox.width);
        expect(check.width).toBeLessThan(30);
        expect(box.width - check.width).toBeLessThan(10 * ((await label.textContent())!.length + 2));
      }
      await decide(page, "dom0_t", "prot_domU_t", "domain", "create");
      const result = page.getByTestId("decision-result");
      await expectAttr(result.locator(".decision"), "data-allowed", "true");
      // (by its name: a click on the label sets the box)
      await labels.filter({ hasText: "prot_doms_locked" }).click();
      expect(await form.locator("input[name=bool-prot_doms_locked]").isChecked()).toBe(true);
      await expectAttr(result.locator(".decision"), "data-allowed", "false");
      const cli = spawnSync(process.execPath, [xsm, "check", join(root, "examples/xen-flask/policy.conf"), "--scontext", "system_u:system_r:dom0_t", "--tcontext", "system_u:object_r:prot_domU_t", "--class", "domain", "--perm", "create", "--bool", "prot_doms_locked=1"], { cwd: root, encoding: "utf8" }).stdout;
      expect(cli).toMatch(/^denied, audited/);
      const [, where] = /(modules\/prot_domU\.te:\d+): allow dom0_t prot_domU_t:domain .* would grant it, but its condition \(!\(prot_doms_locked\)\) is false/.exec(cli)!;
      await expectText(result.locator("li.disabled-by-bool"), `would be granted by ${where} but its branch is off`);
      await shot(page, "3d-booleans");
    });
  });

  it("a domain a later step creates is not in the picture before that step (not drawn destroyed), as xsm simulate --dot draws it", async () => {
    // passthrough.json: step 24 creates guest3
    await withStudio({ example: "xen-flask", dir: scratch, name: "flask-created-later", query: "?scenario=passthrough.json&strategy=upstream&step=23" }, async ({ page }) => {
      const before = page.locator("svg[data-testid=topology][data-step='23']");
      await expectCount(before, 1);
      await expectCount(before.locator('g[id="dom-hvm-guest"]'), 1);
      await expectCount(before.locator('g[id="dom-guest3"]'), 0);
      const cli = spawnSync(process.execPath, [xsm, "simulate", join(root, "examples/xen-flask/passthrough.json"), "--strategy", "upstream", "--until", "23", "--dot"], { cwd: root, encoding: "utf8" }).stdout;
      expect(cli).toContain('"hvm-guest" [');
      expect(cli).not.toContain('"guest3" [');
      // pv-guest, destroyed by step 22, is drawn destroyed
      await expectAttr(before.locator('g[id="dom-pv-guest"]'), "class", /\bdestroyed\b/);
      await page.getByTestId("step-list").locator("li[data-step='24']").click();
      const after = page.locator("svg[data-testid=topology][data-step='24']");
      await expectCount(after, 1);
      await expectAttr(after.locator('g[id="dom-guest3"]'), "class", /^(?!.*\bdestroyed\b)/);
      await expectText(after.locator('g[id="dom-guest3"]'), "guest3");
      await shot(page, "7b-created-domain-step24");
    });
  });

  it("a scenario naming the policy tree: the studio builds it and draws split-drivers as from policy.conf", async () => {
    // the scenario outside the tree, naming it by its absolute path
    const scenarioFile = join(scratch, "split-tree.json");
    const prepare = (copy: string) => {
      const scenario = JSON.parse(readFileSync(join(copy, "split-drivers.json"), "utf8"));
      writeFileSync(scenarioFile, JSON.stringify({ ...scenario, policy: copy }));
    };
    await withStudio({ example: "xen-flask", dir: scratch, name: "flask-named-tree", prepare, target: () => scenarioFile, query: "?strategy=upstream&step=17" }, async ({ page }) => {
      const svg = page.locator("svg[data-testid=topology][data-step='17']");
      await expectCount(svg, 1);
      for (const id of ["chan-dom0-1-web-1", "chan-xenstore-1-shop-1", "chan-web-2-db-1"]) await expectAttr(svg.locator(`g[id="${id}"]`), "class", /\bchannel\b/);
      await expectCount(svg.locator("g.edge.channel"), 3);
      await expectText(svg.locator('g[id="chan-dom0-1-web-1"]'), "dom0_t_channel | domU_t_channel");
      await expectCount(page.getByTestId("scenario-table").locator("td.rc"), "some");
      await shot(page, "7-tree-scenario-step17");
    });
  });

  it("works exported, from a plain static file server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-export-"));
    try {
      execFileSync(process.execPath, [xsm, "studio", join(examples, "nested-trust.json"), "--export", join(dir, "site")], { cwd: root, encoding: "utf8" });
      const stat = await serve("/usr/bin/python3", ["-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], /Serving HTTP on \S+ port (\d+)/);
      try {
        const page = await openPage(`http://127.0.0.1:${stat.url}/site/?step=14&strategy=upstream`);
        await expectCount(page.getByTestId("scenario-table").locator("td.rc"), "some");
        await expectText(page.locator("svg[data-testid=topology][data-step='14']"), "BROKEN");
        // no server to write to: Save is off and says why
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        await expectAttr(page.getByTestId("save"), "data-reason", /^an exported site has no server to write files/);
        await shot(page, "5-exported");
        await page.close();
      } finally {
        stat.proc.kill("SIGTERM");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("a policy tree (examples/xen-flask's layout): its own files, edited and rebuilt with m4", () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-tree-"));
    const copy = join(dir, "xen-flask");
    let served: { proc: ChildProcess; url: string };
    beforeAll(async () => {
      cpSync(join(root, "examples/xen-flask"), copy, { recursive: true });
      const scenario = JSON.parse(readFileSync(join(copy, "split-drivers.json"), "utf8"));
      writeFileSync(join(copy, "on-tree.json"), JSON.stringify({ ...scenario, policy: "." }, null, 2));
      served = await serve(process.execPath, [xsm, "studio", join(copy, "on-tree.json"), "--no-open"], URL_LINE);
    });
    afterAll(() => {
      served?.proc.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    });

    it("names a rule at its .if line with the macro call, in the explorer, the outline and the step log, and opens that file", async () => {
      const page = await openPage(`${served.url}?view=decisions`);
      await expectAttr(page.getByTestId("tree-note"), "data-state", "editable");
      expect(await page.getByTestId("tree-file").inputValue()).toBe("modules/xen.te");
      // the tree (the scenario's ".") named by its directory, in the picker, the tab and the note
      expect(await page.getByTestId("file-select").locator("option[value='.']").textContent()).toBe("policy tree · xen-flask/");
      await expectExactText(page.locator(".left .tabs .tab[data-tab=policy]"), "policy treexen-flask/");
      await expectText(page.getByTestId("tree-note"), "Policy tree xen-flask/: modules/xen.te.");
      await decide(page, "domU_t_channel", "domU_t", "event", "bind");
      const granted = page.getByTestId("decision-result").locator("li.granted-by");
      // where xsm simulate's trace names it (test/sim/tree-scenario.test.ts)
      await expectExactText(granted.locator("a.rule-link"), "modules/xen.if:139");
      await expectAttr(granted.locator("a.rule-link"), "data-file", "modules/xen.if");
      await expectText(granted.locator(".expansion"), "(in expansion of `domain_comms` at modules/domU.te:10)");
      await granted.locator("a.rule-link").click();
      expect(await eventually(() => page.getByTestId("tree-file").inputValue(), (v) => v === "modules/xen.if")).toBe("modules/xen.if");
      await expectText(page.getByTestId("editor").locator(".cm-activeLine"), "allow $3 $2:event bind;");
      await shot(page, "8-tree-rule-in-macro");
      // a name declared by the tree: the outline opens its .te line
      await page.getByTestId("outline").locator("summary", { hasText: "Types" }).click();
      await page.getByTestId("outline").locator("li", { hasText: /^dom0_t$/ }).click();
      expect(await eventually(() => page.getByTestId("tree-file").inputValue(), (v) => v === "modules/xen.te")).toBe("modules/xen.te");
      await expectText(page.getByTestId("editor").locator(".cm-activeLine"), "dom0_t");
      // the scenario runner's reasons, from the same mapping
      await page.goto(`${served.url}?scenario=on-tree.json&strategy=upstream&step=1`);
      await page.waitForSelector("body[data-ready=true]");
      const link = page.getByTestId("step-log").locator("a.rule-link[data-file='modules/xen.if']");
      await expectCount(link, "some");
      await expectText(page.getByTestId("step-log"), "(in expansion of `domain_comms` at modules/domU.te:");
      await link.first().click();
      expect(await eventually(() => page.getByTestId("tree-file").inputValue(), (v) => v === "modules/xen.if")).toBe("modules/xen.if");
      await page.close();
    });

    it("an edit of a .te file is built with m4: errors at the macro's line with the call in the edited file, m4's own there too", async () => {
      const page = await openPage(`${served.url}?view=decisions`);
      const editor = page.getByTestId("editor");
      await page.getByTestId("tree-file").selectOption("modules/domU.te");
      await expectText(editor.locator(".cm-content"), "declare_domain(domU_t");
      const last = readFileSync(join(copy, "modules/domU.te"), "utf8").trimEnd().split("\n").length;
      await editor.locator(".cm-content").click();
      await page.keyboard.press("Control+End");
      // (the last line is the empty one after the file's final newline)
      await page.keyboard.type("create_domain(dom0_t, nosuch_t)");
      const line = last + 1;
      // xsm build on the same edit: its first error and the note naming the call
      const te = readFileSync(join(copy, "modules/domU.te"), "utf8");
      writeFileSync(join(copy, "modules/domU.te"), `${te.trimEnd()}\ncreate_domain(dom0_t, nosuch_t)\n`);
      // (run in the tree, as the studio names its files: build names them from where it runs)
      const cli = spawnSync(process.execPath, [xsm, "build", "."], { cwd: copy, encoding: "utf8" }).stderr;
      writeFileSync(join(copy, "modules/domU.te"), te);
      const [, file, cliLine, col, message] = /^(\S+?):(\d+):(\d+): error: (.*)$/m.exec(cli)!;
      expect(cli).toContain(`note: in expansion of \`create_domain\` at modules/domU.te:${line}`);
      const first = page.getByTestId("diagnostics").locator("li.diag.error").first();
      await expectAttr(first, "data-file", file!);
      await expectAttr(first, "data-line", cliLine!);
      await expectText(first.locator(".loc").first(), `${file}:${cliLine}:${col}`);
      await expectExactText(first.locator(".msg"), message!);
      await expectText(first, `in expansion of \`create_domain\` at modules/domU.te:${line}`);
      // the edited file marks the call (the notes of the errors in xen.if)
      await expectText(editor.locator(".cm-lintRange-info").first(), "create_domain");
      await shot(page, "9-tree-edit-error");
      // m4's own error, in the file as typed
      await page.keyboard.type("\ndefine(`broken");
      const m4 = page.getByTestId("diagnostics").locator("li.diag.error");
      await expectCount(m4, 1);
      await expectAttr(m4, "data-file", "modules/domU.te");
      await expectText(m4, "m4: end of file in string");
      await expectText(page.getByTestId("status"), "1 error");
      // taken out again, it compiles; the tree on disk never changed
      await undoAll(page);
      await expectText(page.getByTestId("status"), "compiles");
      // (the tree named as the page names it, with its slash)
      await expectText(page.getByTestId("diagnostics"), "/: no diagnostics");
      expect(readFileSync(join(copy, "modules/domU.te"), "utf8")).toBe(te);
      await page.close();
    });

    it("m4's output is read only and says why; an exported tree says it cannot rebuild", async () => {
      const page = await openPage(`${served.url}?view=decisions`);
      await page.getByTestId("tree-file").selectOption({ label: "policy.conf: m4's output (read only)" });
      const note = page.getByTestId("tree-note");
      await expectAttr(note, "data-state", "read-only");
      await expectText(note, "could not be written back");
      await expectTypingRefused(page, note);
      await shot(page, "10-tree-m4-output-read-only");
      await page.close();

      execFileSync(process.execPath, [xsm, "studio", join(copy, "on-tree.json"), "--export", join(dir, "site")], { cwd: root, encoding: "utf8" });
      const stat = await serve("/usr/bin/python3", ["-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir], /Serving HTTP on \S+ port (\d+)/);
      try {
        const exported = await openPage(`http://127.0.0.1:${stat.url}/site/?view=decisions`);
        await expectAttr(exported.getByTestId("tree-note"), "data-state", "no-rebuild");
        await expectText(exported.getByTestId("tree-note"), "cannot run m4");
        // the locations are the tree's all the same
        await exported.getByTestId("outline").locator("summary", { hasText: "Types" }).click();
        await exported.getByTestId("outline").locator("li", { hasText: /^dom0_t$/ }).click();
        expect(await exported.getByTestId("tree-file").inputValue()).toBe("modules/xen.te");
        await expectText(exported.getByTestId("status"), "compiles");
        await exported.close();
      } finally {
        stat.proc.kill("SIGTERM");
      }
    });
  });

  describe("a policy tree without m4, or one that does not build: the studio opens all the same", () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-unbuilt-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("without m4 (a PATH without it): policy.conf opens, the page says m4 is missing, the tree's files are read only and say why", async () => {
      // (an empty directory: the server's /bin/sh finds no m4 there)
      const noM4 = join(dir, "bin");
      mkdirSync(noM4);
      await withStudio({ example: "xen-flask", dir, name: "no-m4", env: { ...process.env, PATH: noM4, M4: "" } }, async ({ page, output }) => {
        const warning = await eventually(async () => output(), (o) => o.includes("warning"));
        expect(warning.split("\n").filter((l) => l.startsWith("xsm studio: warning:"))).toEqual([expect.stringContaining("m4 is not installed where xsm studio runs")]);
        await expectText(page.getByTestId("notice"), "m4 is not installed where xsm studio runs, so the policy tree's files are shown read only and edits to them cannot be rebuilt");
        // the policy.conf committed beside the tree, as before the studio served trees
        expect(await page.getByTestId("file-select").inputValue()).toBe("policy.conf");
        await expectText(page.getByTestId("status"), "compiles");
        expect(await page.getByTestId("tree-bar").isHidden()).toBe(true);
        // the tree: its files, read only with the reason, m4's absence its error
        await page.getByTestId("file-select").selectOption(".");
        const note = page.getByTestId("tree-note");
        await expectAttr(note, "data-state", "no-m4");
        await expectText(note, "m4 is not installed");
        expect(await page.getByTestId("tree-file").inputValue()).toBe("modules/xen.te");
        await expectText(page.getByTestId("diagnostics").locator("li.diag.error"), "m4 not found");
        // (not policy.conf's names, opened before: the tree has none until it is built)
        await expectText(page.getByTestId("outline"), "no outline until it parses");
        await expectTypingRefused(page, note);
        await shot(page, "11-tree-without-m4");
      });
    });

    it("a tree m4 cannot build opens at m4's error, and compiles once it is fixed in the page", async () => {
      let te = "";
      const prepare = (copy: string) => {
        te = readFileSync(join(copy, "modules/domU.te"), "utf8");
        writeFileSync(join(copy, "modules/domU.te"), `${te}define(\`broken\n`);
      };
      await withStudio({ example: "xen-flask", dir, name: "broken", prepare }, async ({ copy, page }) => {
        await expectAttr(page.getByTestId("tree-note"), "data-state", "editable");
        await expectOpenAtUnclosedString(page, te);
        await expectText(page.getByTestId("status"), "1 error");
        await shot(page, "12-tree-not-building");
        // the broken last line taken out in the page: m4 runs again and the policy compiles
        await deleteLastLine(page);
        await expectText(page.getByTestId("status"), "compiles");
        await expectText(page.getByTestId("diagnostics"), "no diagnostics");
        // it answers: a rule of the tree, at its .if line
        await decide(page, "domU_t_channel", "domU_t", "event", "bind");
        await expectExactText(page.getByTestId("decision-result").locator("li.granted-by a.rule-link"), "modules/xen.if:139");
        // the file on disk is as it was
        expect(readFileSync(join(copy, "modules/domU.te"), "utf8")).toBe(`${te}define(\`broken\n`);
      });
    });
  });

  it("a scenario's repeated key, schema error and context the policy lacks: listed together in the file's order, as xsm simulate lists them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-all-errors-"));
    const s = { proc: undefined as ChildProcess | undefined };
    try {
      const text = readFileSync(join(examples, "alejandro-authority.json"), "utf8")
        .replace('"$schema": "../../src/sim/scenario.schema.json",', "")
        .replace('"strategy": "authority",', '"strategy": "authority",\n  "strategy": "upstream",')
        .replace('"context": "gvp1_u:vm_r:gvp1_guest_t"', '"context": "gvp1_u:vm_r:gvp1_gest_t"')
        .replace('"domid": 3,', '"domid": "3",');
      writeFileSync(join(dir, "svp.conf"), readFileSync(join(examples, "svp.conf")));
      writeFileSync(join(dir, "faulty.json"), text);
      const cli = spawnSync(process.execPath, [xsm, "simulate", join(dir, "faulty.json")], { encoding: "utf8" });
      expect(cli.status).toBe(1);
      const paths = cli.stderr.trim().split("\n").map((l) => /: (\/[^:]*):/.exec(l)?.[1]);
      expect(paths).toEqual(["/strategy", "/domains/2/context", "/domains/3/domid"]);
      const served = await serve(process.execPath, [xsm, "studio", dir, "--no-open"], URL_LINE);
      s.proc = served.proc;
      const page = await openPage(`${served.url}?scenario=faulty.json&policy=svp.conf&view=scenario`);
      const items = page.getByTestId("scenario-errors").locator("li");
      await expectCount(items, 3);
      const shown = await items.evaluateAll((lis) => lis.map((li) => li.querySelector(".loc")?.textContent?.split(": ")[1]));
      expect(shown).toEqual(paths);
      await expectText(items.nth(0), 'repeated key "strategy"');
      await expectText(items.nth(1), "unknown type 'gvp1_gest_t'");
      await page.close();
    } finally {
      s.proc?.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("files that are no policy text or no scenario: an empty policy says so (at the scenario's /policy too), a binary one runs, a DIR lists what it leaves out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-unusable-"));
    const s = { proc: undefined as ChildProcess | undefined };
    try {
      const doc = JSON.parse(readFileSync(join(examples, "nested-trust.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(dir, "empty.conf"), "");
      writeFileSync(join(dir, "on-empty.json"), JSON.stringify({ ...doc, $schema: undefined, policy: "empty.conf" }));
      execFileSync(process.execPath, [xsm, "compile", join(examples, "svp.conf"), "-o", join(dir, "svp.bin")]);
      writeFileSync(join(dir, "on-binary.json"), JSON.stringify({ ...doc, $schema: undefined, policy: "svp.bin" }));
      writeFileSync(join(dir, "package.json"), '{"name": "x"}');
      const served = await serve(process.execPath, [xsm, "studio", dir, "--no-open"], URL_LINE);
      s.proc = served.proc;
      // (its stderr, written before the URL on stdout, may be read after it)
      const warning = "xsm studio: warning: on-empty.json: /policy: cannot read policy empty.conf: file is empty, expected a policy file";
      expect(await eventually(async () => served.output(), (o) => o.includes(warning))).toContain(warning);
      let page = await openPage(`${served.url}?scenario=on-empty.json&policy=empty.conf&view=decisions`);
      await expectText(page.getByTestId("skipped"), "1 file not offered");
      await expectText(page.getByTestId("skipped"), "package.json: /steps: missing: not a scenario");
      await expectText(page.getByTestId("diagnostics").locator("li.diag.error"), "file is empty, expected a policy file");
      await expectText(page.getByTestId("status"), "1 error");
      await expectText(page.getByTestId("scenario-errors"), "on-empty.json: /policy");
      await expectText(page.getByTestId("scenario-errors"), "cannot read policy empty.conf: file is empty, expected a policy file");
      await page.close();
      // the binary: its rule listing, read only; it loads as Xen loads it and the scenario runs as
      // xsm simulate runs it (the grid answers it, as for its source)
      page = await openPage(`${served.url}?scenario=on-binary.json&policy=svp.bin&view=decisions`);
      await expectText(page.getByTestId("status"), "compiles");
      await expectText(page.getByTestId("editor").locator(".cm-content"), "allow");
      await expectCount(page.getByTestId("access-grid").locator("td.cell.allowed"), "some");
      const cli = JSON.parse(execFileSync(process.execPath, [xsm, "simulate", join(dir, "on-binary.json"), "--compare", "--json"], { encoding: "utf8" })) as { strategies: { strategy: string; steps: { step: number; rc: number | string }[] }[] };
      const rcs = page.getByTestId("scenario-table").locator("td.rc");
      await expectCount(rcs, cli.strategies.length * cli.strategies[0]!.steps.length);
      const shown = await rcs.evaluateAll((tds) => tds.map((td) => [(td as HTMLElement).dataset.strategy, Number((td as HTMLElement).dataset.step), (td as HTMLElement).dataset.rc]));
      expect(shown.sort()).toEqual(cli.strategies.flatMap((c) => c.steps.map((st) => [c.strategy, st.step, String(st.rc)])).sort());
      await shot(page, "13-binary-policy");
      await page.close();
      // its topology draws the platforms rebuilt from the binary's attributes, as for svp.conf
      page = await openPage(`${served.url}?scenario=on-binary.json&policy=svp.bin`);
      await page.getByTestId("step-list").locator("li[data-step='14']").click();
      const svg = page.locator("svg[data-testid=topology][data-step='14']");
      await expectCount(svg, 1);
      await expectText(svg, "platform svp (supervisor)");
      await expectText(svg, "platform gvp1 (guest of svp)");
      await expectText(svg, "platform gvp2 (guest of svp)");
      await page.close();
    } finally {
      s.proc?.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("saving edits to disk", () => {
    const dir = mkdtempSync(join(tmpdir(), "xsm-studio-save-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** The page would ask before leaving (its beforeunload handler cancels the event). */
    const asksBeforeLeaving = (page: Page) => page.evaluate(() => {
      const e = new Event("beforeunload", { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    });
    /** Chromium logs a fetch answered 409 as a console error: the conflict the test provoked. */
    const dropConflictLogs = () => {
      const kept = problems.filter((p) => !/status of 409 \(Conflict\)/.test(p));
      problems.splice(0, problems.length, ...kept);
    };

    it("policy.conf: the unsaved mark, Ctrl+S writes the file, a change on disk is a conflict the page explains, overwrite on request", async () => {
      await withStudio({ example: "svp", dir, name: "svp" }, async ({ page, editor, read }) => {
        const { path: file, text: original } = read("svp.conf");
        const tab = page.locator(".tabs .tab[data-tab=policy]");
        expect(await tab.getAttribute("data-unsaved")).toBeNull();
        expect(await asksBeforeLeaving(page)).toBe(false);
        // nothing to save yet: Save is off and says why, as in editors
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        await expectAttr(page.getByTestId("save"), "title", "svp.conf has no unsaved changes");
        await editor.click();
        await page.keyboard.press("Control+Home");
        await page.keyboard.type("# saved from the studio\n");
        await expectCount(tab.getByTestId("unsaved"), 1);
        await expectAttr(page.getByTestId("save"), "title", "Save svp.conf (Ctrl+S)");
        expect(await page.getByTestId("save").isDisabled()).toBe(false);
        expect(await asksBeforeLeaving(page)).toBe(true);
        await shot(page, "13-unsaved");
        // twice at once: one save, then nothing left to save, and Ctrl+S does nothing (not a
        // conflict with the first, nor a message)
        await page.keyboard.press("Control+s");
        await page.keyboard.press("Control+s");
        await expectExactText(page.getByTestId("save-message"), "saved svp.conf");
        await expectAttr(page.getByTestId("save-message"), "data-state", "ok");
        expect(readFileSync(file, "utf8")).toBe(`# saved from the studio\n${original}`);
        await expectAttr(page.getByTestId("save"), "title", "svp.conf has no unsaved changes");
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        await page.keyboard.press("Control+s");
        await new Promise((r) => setTimeout(r, 300));
        await expectExactText(page.getByTestId("save-message"), "saved svp.conf");
        await expectCount(tab.getByTestId("unsaved"), 0);
        expect(await asksBeforeLeaving(page)).toBe(false);
        // another editor changes the file; the page's next save is refused and its text kept
        writeFileSync(file, `# from elsewhere\n${original}`);
        await page.keyboard.type("# second edit\n");
        await page.getByTestId("save").click();
        const message = page.getByTestId("save-message");
        await expectAttr(message, "data-state", "conflict");
        await expectText(message, "svp.conf changed on disk since the page loaded it. Your text is kept in the page, and the file is not written.");
        expect(readFileSync(file, "utf8")).toBe(`# from elsewhere\n${original}`);
        await expectText(editor, "# second edit");
        await expectCount(tab.getByTestId("unsaved"), 1);
        await shot(page, "14-save-conflict");
        await message.getByTestId("overwrite").click();
        await expectExactText(message, "saved svp.conf");
        expect(readFileSync(file, "utf8")).toBe(`# saved from the studio\n# second edit\n${original}`);
        await expectCount(tab.getByTestId("unsaved"), 0);
        // a reload shows what was saved
        await page.reload();
        await page.waitForSelector("body[data-ready=true]");
        await expectText(page.getByTestId("editor").locator(".cm-line").first(), "# saved from the studio");
      });
      dropConflictLogs();
    });

    it("a conflict: Compare shows the page's text against the disk's; Reload from disk, confirmed, takes the disk's text", async () => {
      await withStudio({ example: "svp", dir, name: "svp-reload" }, async ({ page, editor, read }) => {
        const { path: file, text: original } = read("svp.conf");
        const lines = original.split("\n");
        const tab = page.locator(".tabs .tab[data-tab=policy]");
        await editor.click();
        await page.keyboard.press("Control+Home");
        await page.keyboard.type("# the page's edit\n");
        const onDisk = [...lines.slice(0, 10), "# another editor's edit", ...lines.slice(10)].join("\n");
        writeFileSync(file, onDisk);
        await page.getByTestId("save").click();
        const message = page.getByTestId("save-message");
        await expectAttr(message, "data-state", "conflict");
        expect((await message.locator("button").allTextContents())).toEqual(["Overwrite svp.conf", "Reload from disk", "Compare", "Keep editing"]);
        // Compare: a line diff, read only, the page's line out (−) and the disk's in (+)
        await message.getByTestId("compare").click();
        const compare = page.getByTestId("compare-view");
        await expectText(compare, "svp.conf: your text in the page (−) against the file on disk (+)");
        const changed = compare.locator(".line:not(.same)");
        await expectCount(changed, 2);
        expect(await changed.evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.op, e.querySelector(".text")!.textContent]))).toEqual([
          ["page", "# the page's edit"],
          ["disk", "# another editor's edit"],
        ]);
        expect(await compare.locator("[contenteditable=true], textarea, input").count()).toBe(0);
        await shot(page, "16-save-conflict-compare");
        // Reload from disk asks first; Cancel is back at the conflict, the page's text untouched
        await message.getByTestId("reload-from-disk").click();
        await expectText(message, "Discard your edits to svp.conf and take the file as it is on disk?");
        await message.getByTestId("cancel-reload").click();
        await expectAttr(message.getByTestId("overwrite"), "type", "button");
        await expectText(editor, "# the page's edit");
        await message.getByTestId("reload-from-disk").click();
        await message.getByTestId("confirm-reload").click();
        await expectExactText(message, "reloaded svp.conf from disk");
        await expectText(editor, "# another editor's edit");
        await expectNoText(editor, "# the page's edit");
        await expectCount(tab.getByTestId("unsaved"), 0);
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        expect(await compare.isHidden()).toBe(true);
        await expectText(page.getByTestId("status"), "compiles");
        // the page has the disk's digest now: the next save is no conflict
        await editor.click();
        await page.keyboard.press("Control+Home");
        await page.keyboard.type("# after the reload\n");
        await page.keyboard.press("Control+s");
        await expectExactText(message, "saved svp.conf");
        expect(readFileSync(file, "utf8")).toBe(`# after the reload\n${onDisk}`);
      });
      dropConflictLogs();
    });

    it("back on the page (focus, visibilitychange): a file changed on disk without edits is taken with a brief notice; one with edits gets the conflict bar at once", async () => {
      await withStudio({ example: "svp", dir, name: "svp-focus" }, async ({ copy, page, editor, read }) => {
        const { path: file, text: original } = read("svp.conf");
        const message = page.getByTestId("save-message");
        const asked: string[] = [];
        page.on("request", (r) => asked.push(`${r.method()} ${new URL(r.url()).pathname}`));
        // nothing changed: one request, digests only, and nothing said
        await returnToPage(page);
        expect(asked).toEqual(["POST /disk-state"]);
        expect(await message.isHidden()).toBe(true);
        writeFileSync(file, `# changed elsewhere\n${original}`);
        await returnToPage(page);
        await expectText(editor, "# changed elsewhere");
        await expectExactText(message, "svp.conf changed on disk: reloaded");
        await expectCount(page.locator(".tabs .tab[data-tab=policy]").getByTestId("unsaved"), 0);
        await expectText(page.getByTestId("status"), "compiles");
        // a brief notice: gone after a few seconds
        expect(await eventually(() => message.isHidden(), (h) => h, 10_000)).toBe(true);
        // the scenario too, on visibilitychange
        const scenario = join(copy, "nested-trust.json");
        const scenarioText = readFileSync(scenario, "utf8");
        writeFileSync(scenario, scenarioText.replace('"description": "', '"description": "(edited elsewhere) '));
        await returnToPage(page, "visibilitychange");
        await expectText(message, "nested-trust.json changed on disk: reloaded");
        await page.locator(".tabs .tab[data-tab=scenario-json]").click();
        await expectText(page.getByTestId("scenario-editor").locator(".cm-content"), "edited elsewhere");
        await page.locator(".tabs .tab[data-tab=policy]").click();
        // unsaved edits: the conflict bar now, before any save, and nothing taken or written
        await editor.click();
        await page.keyboard.press("Control+Home");
        await page.keyboard.type("# typed in the page\n");
        writeFileSync(file, `# changed elsewhere again\n${original}`);
        await returnToPage(page);
        await expectAttr(message, "data-state", "conflict");
        await expectText(message, "svp.conf changed on disk, and the page has unsaved edits to it.");
        await expectText(editor, "# typed in the page");
        await expectNoText(editor, "# changed elsewhere again");
        expect(readFileSync(file, "utf8")).toBe(`# changed elsewhere again\n${original}`);
        await shot(page, "17-changed-on-disk-with-edits");
        // Keep editing: not asked again for the same change on the next return
        await message.getByTestId("dismiss").click();
        const before = asked.length;
        await returnToPage(page);
        expect(asked.length).toBe(before + 1);
        expect(await message.isHidden()).toBe(true);
      });
    });

    it("a return to the page while its check of the disk is under way is checked again after it: a change on disk meanwhile is found", async () => {
      await withStudio({ example: "svp", dir, name: "svp-recheck" }, async ({ page, editor, read }) => {
        const { path: file, text: original } = read("svp.conf");
        const asked: string[] = [];
        page.on("request", (r) => asked.push(new URL(r.url()).pathname));
        // the first check's answer, given by the server before the change, reaches the page only
        // after the second return (as when a return comes while the page is busy with the first)
        let answered!: () => void;
        const fetched = new Promise<void>((r) => (answered = r));
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let first = true;
        await page.route("**/disk-state", async (route) => {
          if (!first) return route.continue();
          first = false;
          const response = await route.fetch();
          answered();
          await held;
          await route.fulfill({ response });
        });
        await page.evaluate(() => window.dispatchEvent(new Event("focus")));
        await fetched;
        writeFileSync(file, `# changed during the check\n${original}`);
        await page.evaluate(() => window.dispatchEvent(new Event("focus")));
        release();
        await expectText(editor, "# changed during the check");
        await expectExactText(page.getByTestId("save-message"), "svp.conf changed on disk: reloaded");
        expect(asked.filter((p) => p === "/disk-state")).toHaveLength(2);
        // (a return while a check waits to start is that check: focus and visibilitychange at
        // once, as a switch back to the tab fires them, ask once)
        const before = asked.length;
        await returnToPage(page, "focus", "visibilitychange");
        expect(asked.slice(before)).toEqual(["/disk-state"]);
      });
    });

    it("two files changed on disk while both have edits: the bar lists both, each with its own Overwrite, Reload and Compare", async () => {
      await withStudio({ example: "svp", dir, name: "svp-two" }, async ({ copy, page }) => {
        const policy = join(copy, "svp.conf");
        const scenario = join(copy, "nested-trust.json");
        const policyText = readFileSync(policy, "utf8");
        const scenarioText = readFileSync(scenario, "utf8");
        const message = page.getByTestId("save-message");
        await page.getByTestId("editor").locator(".cm-content").click();
        await page.keyboard.press("Control+Home");
        await page.keyboard.type("# the page's policy edit\n");
        await page.locator(".tabs .tab[data-tab=scenario-json]").click();
        await page.getByTestId("scenario-editor").locator(".cm-content").click();
        await page.keyboard.press("Control+End");
        await page.keyboard.type("\n");
        writeFileSync(policy, `# another editor's policy edit\n${policyText}`);
        const elsewhere = scenarioText.replace('"description": "', '"description": "(edited elsewhere) ');
        writeFileSync(scenario, elsewhere);
        await returnToPage(page);
        await expectAttr(message, "data-state", "conflict");
        await expectText(message, "2 files changed on disk, and the page has unsaved edits to them.");
        const rows = message.getByTestId("conflict");
        await expectCount(rows, 2);
        const row = (file: string) => message.locator(`li[data-file="${file}"]`);
        await expectText(row("svp.conf"), "svp.conf changed on disk, and the page has unsaved edits to it.");
        expect(await row("svp.conf").locator("button").allTextContents()).toEqual(["Overwrite svp.conf", "Reload from disk", "Compare"]);
        expect(await row("nested-trust.json").locator("button").allTextContents()).toEqual(["Overwrite nested-trust.json", "Reload from disk", "Compare"]);
        await shot(page, "18-two-files-changed-on-disk");
        // Compare on one row shows that file
        await row("nested-trust.json").getByTestId("compare").click();
        await expectText(page.getByTestId("compare-view"), "nested-trust.json: your text in the page (−) against the file on disk (+)");
        // Reload one (asked in its row): it leaves the list, the other stays with its choices
        await row("svp.conf").getByTestId("reload-from-disk").click();
        await expectText(row("svp.conf"), "Discard your edits to svp.conf");
        await row("svp.conf").getByTestId("confirm-reload").click();
        await expectText(page.getByTestId("save-lead"), "reloaded svp.conf from disk");
        await expectCount(rows, 1);
        await expectCount(row("nested-trust.json").getByTestId("overwrite"), 1);
        expect(await page.getByTestId("compare-view").isHidden()).toBe(false);
        // Overwrite the other: the page's text is written, and the bar says so alone
        await row("nested-trust.json").getByTestId("overwrite").click();
        await expectExactText(message, "saved nested-trust.json");
        expect(readFileSync(scenario, "utf8")).not.toContain("(edited elsewhere)");
        expect(readFileSync(scenario, "utf8")).toContain(scenarioText.trimEnd());
        expect(readFileSync(policy, "utf8")).toBe(`# another editor's policy edit\n${policyText}`);
        await page.locator(".tabs .tab[data-tab=policy]").click();
        await expectText(page.getByTestId("editor").locator(".cm-content"), "# another editor's policy edit");
        await expectCount(page.locator(".tabs .tab").getByTestId("unsaved"), 0);
      });
    });

    it("several files of a policy tree changed on disk: read back in one request, taken together, and m4 runs once for them", async () => {
      // (m4 as $M4 names it: a script that counts its runs)
      const log = join(dir, "tree-batch-m4.log");
      const counting = join(dir, "counting-m4");
      writeFileSync(counting, `#!/bin/sh\necho run >> '${log}'\nexec m4 "$@"\n`, { mode: 0o755 });
      const runs = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).length : 0);
      await withStudio({ example: "xen-flask", dir, name: "tree-batch", env: { ...process.env, M4: counting } }, async ({ copy, page }) => {
        await page.getByTestId("tree-file").selectOption("modules/domU.te");
        await expectText(page.getByTestId("status"), "compiles");
        const rebuilds: string[] = [];
        page.on("request", (r) => new URL(r.url()).pathname.startsWith("/rebuild/") && rebuilds.push(r.url()));
        // (the texts read back: one request for the three files)
        const reads: string[] = [];
        page.on("request", (r) => new URL(r.url()).pathname === "/disk-texts" && reads.push(r.postData() ?? ""));
        const before = runs();
        const files = ["modules/domU.te", "modules/dom0.te", "modules/xen.te"];
        for (const f of files) writeFileSync(join(copy, f), `# changed elsewhere: ${f}\n${readFileSync(join(copy, f), "utf8")}`);
        await returnToPage(page);
        const message = page.getByTestId("save-message");
        await expectText(message, "changed on disk: reloaded");
        for (const f of files) await expectText(message, f);
        await expectText(page.getByTestId("editor").locator(".cm-content"), "# changed elsewhere: modules/domU.te");
        await eventually(async () => rebuilds.length, (n) => n > 0);
        await expectText(page.getByTestId("status"), "compiles");
        // (a second rebuild, had one been asked for, would have been sent by now: they run in turn)
        await new Promise((r) => setTimeout(r, 500));
        expect(rebuilds).toHaveLength(1);
        expect(runs() - before).toBe(1);
        expect(reads.map((r) => (JSON.parse(r) as { files: string[] }).files.length)).toEqual([3]);
      });
    });

    it("a policy tree's file changed on disk while edited: Reload from disk takes it, and the tree is built again with m4", async () => {
      await withStudio({ example: "xen-flask", dir, name: "tree-reload" }, async ({ page, editor, read }) => {
        const { path: te, text: original } = read("modules/domU.te");
        await page.getByTestId("tree-file").selectOption("modules/domU.te");
        await editor.click();
        await page.keyboard.press("Control+End");
        await page.keyboard.type("# typed in the page\n");
        await expectText(page.getByTestId("status"), "compiles");
        // another program writes a rule naming a type the policy lacks
        writeFileSync(te, `${original}allow domU_t nosuch_t:event send;\n`);
        await returnToPage(page);
        const message = page.getByTestId("save-message");
        await expectText(message, "modules/domU.te changed on disk, and the page has unsaved edits to it.");
        await message.getByTestId("reload-from-disk").click();
        await message.getByTestId("confirm-reload").click();
        await expectExactText(message, "reloaded modules/domU.te from disk");
        await expectText(editor, "allow domU_t nosuch_t:event send;");
        // built again from the disk's text: the compiler's error at the new line of domU.te
        const error = page.getByTestId("diagnostics").locator("li.diag.error");
        await expectAttr(error, "data-file", "modules/domU.te");
        await expectAttr(error, "data-line", String(original.split("\n").length));
        await expectText(error, "nosuch_t");
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
      });
    });

    it("diagnostics move with the text typed before the next compile", async () => {
      await onSvp("svp-moving-diagnostics", async ({ page }) => {
        const target = page.getByTestId("editor").locator(".cm-line", { hasText: "allow svp_hwdoms device_t:resource" });
        const line = policyText.findIndex((l) => l.includes("allow svp_hwdoms device_t:resource")) + 1;
        await target.click();
        await page.keyboard.press("Home");
        await page.keyboard.type("allow svp_hwdoms nosuch_t:resource plug;\n");
        const item = page.getByTestId("diagnostics").locator("li.diag.error");
        await expectAttr(item, "data-line", String(line));
        // two lines typed above it: the list follows at once, before the compile (250 ms later) runs
        await page.getByTestId("editor").locator(".cm-line").first().click();
        await page.keyboard.press("Home");
        await page.keyboard.press("Enter");
        await page.keyboard.press("Enter");
        expect(await item.getAttribute("data-line")).toBe(String(line + 2));
        await expectText(item.locator(".loc"), `svp.conf:${line + 2}:18`);
        await expectExactText(page.getByTestId("editor").locator(".cm-lintRange-error"), "nosuch_t");
        // and the compile agrees
        await new Promise((r) => setTimeout(r, 600));
        expect(await item.getAttribute("data-line")).toBe(String(line + 2));
      });
    });

    it("a scenario naming a tree that does not build opens at the error; fixed in the page, Save writes the tree's file; m4's output has no Save", async () => {
      let te = "";
      const prepare = (copy: string) => {
        te = readFileSync(join(copy, "modules/domU.te"), "utf8");
        writeFileSync(join(copy, "modules/domU.te"), `${te}define(\`broken\n`);
        const scenario = JSON.parse(readFileSync(join(copy, "split-drivers.json"), "utf8"));
        writeFileSync(join(copy, "on-tree.json"), JSON.stringify({ ...scenario, policy: "." }, null, 2));
      };
      await withStudio({ example: "xen-flask", dir, name: "tree", prepare, target: (copy) => join(copy, "on-tree.json") }, async ({ copy, page, output }) => {
        expect(await eventually(async () => output(), (o) => o.includes("warning"))).toContain("xsm studio: warning: on-tree.json: /policy: the policy tree . does not build (1 error)");
        await expectOpenAtUnclosedString(page, te);
        // the scenario names the error at its policy, as xsm simulate does
        await expectText(page.getByTestId("scenario-errors"), "on-tree.json: /policy");
        await expectText(page.getByTestId("scenario-errors"), "m4: end of file in string");
        await shot(page, "15-scenario-tree-not-building");
        await deleteLastLine(page);
        await expectText(page.getByTestId("status"), "compiles");
        await expectText(page.getByTestId("scenario-errors"), "on-tree.json: valid");
        // the tree's file and the policy tab are marked unsaved until saved
        const option = page.getByTestId("tree-file").locator("option[value='modules/domU.te']");
        await expectAttr(option, "data-unsaved", "");
        await expectCount(page.locator(".tabs .tab[data-tab=policy]").getByTestId("unsaved"), 1);
        await page.keyboard.press("Control+s");
        await expectExactText(page.getByTestId("save-message"), "saved modules/domU.te");
        expect(readFileSync(join(copy, "modules/domU.te"), "utf8")).toBe(te);
        expect(await option.getAttribute("data-unsaved")).toBeNull();
        await expectCount(page.locator(".tabs .tab[data-tab=policy]").getByTestId("unsaved"), 0);
        // m4's output is no file: Save is off there, with the reason
        await page.getByTestId("tree-file").selectOption({ label: "policy.conf: m4's output (read only)" });
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        await expectAttr(page.getByTestId("save"), "data-reason", /^m4's output is not a file/);
        // a reload serves the tree as saved: it builds, no error
        await page.reload();
        await page.waitForSelector("body[data-ready=true]");
        await expectText(page.getByTestId("status"), "compiles");
        await expectText(page.getByTestId("scenario-errors"), "on-tree.json: valid");
      });
    });

    it("--read-only: Save is off and says why; Ctrl+S writes nothing", async () => {
      await withStudio({ example: "svp", dir, name: "read-only", args: ["--read-only"] }, async ({ copy, page }) => {
        const original = readFileSync(join(copy, "svp.conf"), "utf8");
        expect(await page.getByTestId("save").isDisabled()).toBe(true);
        await expectAttr(page.getByTestId("save"), "data-reason", "xsm studio was started with --read-only: edits stay in the page");
        await page.getByTestId("editor").locator(".cm-content").click();
        await page.keyboard.type("# x\n");
        await page.keyboard.press("Control+s");
        await expectText(page.getByTestId("save-message"), "svp.conf is not saved: xsm studio was started with --read-only");
        expect(readFileSync(join(copy, "svp.conf"), "utf8")).toBe(original);
      });
    });
  });

  it("logged no console errors or warnings, and no failed requests", () => {
    expect(problems).toEqual([]);
  });
});

/** `xsm compile` on a text, its stderr (the diagnostics). */
function cliCompile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "xsm-studio-cli-"));
  try {
    const file = join(dir, "svp.conf");
    execFileSync("/bin/sh", ["-c", 'cat > "$1"', "sh", file], { input: text });
    try {
      execFileSync(process.execPath, [xsm, "compile", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      return "";
    } catch (err) {
      return String((err as { stderr: string }).stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
