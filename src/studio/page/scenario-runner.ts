// The scenario runner: the PF removals `xsm simulate --compare` runs side by side (its table: the
// thread's strategies, and the release's own when it is none of them), the steps of one strategy, and for the selected step the platform picture after it beside the step's XSM
// decisions (denials with their reasons), Xen's log lines and the avc lines. Switching strategy
// keeps the step.
import type { PfRemovalKind } from "../../hypervisor/types.js";
import { compareRemovals } from "../../sim/xen-release.js";
import { SUMMARY_ROWS, checkQuestion, checkVerdict, rcCell, stepTitle } from "../../sim/report.js";
import { runPrepared, type Prepared, type RunResult, type StepResult } from "../../sim/run.js";
import { groupIdentical, identicalSuffix, type ReasonJson } from "../../policy/reasons.js";
import type { Explained } from "../../sim/explain.js";
import { ruleLink } from "./decisions.js";
import { fill, h } from "./dom.js";
import { runTopology } from "../../sim/report.js";
import { topologyDot } from "../../sim/topology.js";
import { studioStyle } from "./topology-style.js";
import { renderSvg } from "./viz.js";

export interface RunnerContext {
  /** Shows a line of a policy the scenario names (`file` as the scenario names it). */
  revealLine(file: string, line: number): void;
}

export class ScenarioRunner {
  readonly table = h("div", { class: "scenario-table", testid: "scenario-table" });
  readonly strategyTabs = h("div", { class: "strategy-tabs", role: "tablist" });
  readonly stepList = h("ol", { class: "step-list", testid: "step-list", tabindex: "0" });
  readonly topology = h("div", { class: "topology-wrap" });
  readonly stepLog = h("div", { class: "step-log", testid: "step-log" });
  private prepared: Prepared | undefined;
  private runs: RunResult[] = [];
  strategy: PfRemovalKind = "upstream";
  /** The table's columns (compareRemovals), and the file's own among them. */
  removals: readonly PfRemovalKind[] = [];
  private own: PfRemovalKind = "upstream";
  step = 0; // 0 = none selected
  private drawing = 0;

  constructor(private readonly ctx: RunnerContext) {
    this.stepList.addEventListener("keydown", (e) => {
      const n = this.runs[0]?.steps.length ?? 0;
      if (e.key === "ArrowDown" && this.step < n) (e.preventDefault(), this.select(this.strategy, this.step + 1));
      if (e.key === "ArrowUp" && this.step > 1) (e.preventDefault(), this.select(this.strategy, this.step - 1));
    });
    // the picture is an <svg> from the first render on, so the hook is always there
    this.topology.append(emptySvg("Run a scenario, then pick a step."));
  }

  /** A new preparation (scenario or policy edited): run every strategy again, keep the selection
   *  while the scenario still has it (else the file's own). */
  load(prepared: Prepared | undefined): void {
    const first = this.prepared === undefined;
    this.prepared = prepared;
    const columns = prepared ? compareRemovals(prepared.scenario) : { removals: [], own: this.own };
    this.removals = columns.removals;
    this.own = columns.own;
    // the table needs return codes only; the selected step is run again with every reason
    this.runs = this.removals.map((s) => runPrepared(prepared!, { strategy: s, explain: "none" }));
    if (first || !this.removals.includes(this.strategy)) this.strategy = this.own;
    const n = this.runs[0]?.steps.length ?? 0;
    if (this.step > n) this.step = n;
    this.renderTable();
    this.renderStrategyTabs();
    this.renderSteps();
    void this.renderStep();
  }

  results(): RunResult[] {
    return this.runs;
  }

  select(strategy: PfRemovalKind, step: number): void {
    this.strategy = strategy;
    this.step = step;
    for (const td of this.table.querySelectorAll<HTMLElement>("td.rc")) td.classList.toggle("selected", td.dataset.strategy === strategy && Number(td.dataset.step) === step);
    for (const th of this.table.querySelectorAll<HTMLElement>("th.strategy")) th.classList.toggle("selected", th.dataset.strategy === strategy);
    this.renderStrategyTabs();
    this.renderSteps();
    void this.renderStep();
  }

  private renderTable(): void {
    if (!this.runs.length) return fill(this.table, h("p", { class: "muted" }, "No runs."));
    const steps = this.runs[0]!.steps;
    const differs = (i: number) => new Set(this.runs.map((r) => r.steps[i]!.rc)).size > 1;
    const head = h("tr", {}, h("th", { class: "step-col" }, "step"), this.runs.map((r) => h("th", { class: `strategy${r.strategy === this.strategy ? " selected" : ""}`, "data-strategy": r.strategy, onclick: () => this.select(r.strategy, this.step) }, r.strategy)));
    const body = h("tbody");
    steps.forEach((s, i) => {
      body.append(
        h(
          "tr",
          { class: differs(i) ? "differs" : "" },
          h("th", { class: "step-col", title: s.note ?? "" }, h("span", { class: "num" }, String(s.step)), " ", stepTitle(s, true)),
          this.runs.map((r) => {
            const x = r.steps[i]!;
            const failed = x.expect.some((e) => !e.ok);
            const sel = r.strategy === this.strategy && x.step === this.step;
            return h(
              "td",
              { class: `rc ${x.rc === 0 ? "ok" : "err"}${x.partial ? " partial" : ""}${failed ? " failed" : ""}${sel ? " selected" : ""}`, "data-step": String(x.step), "data-strategy": r.strategy, "data-rc": String(x.rc), title: `${r.strategy}, step ${x.step}: rc ${x.rc}${x.partial ? ", failed yet changed state" : ""}${failed ? ", an expectation failed" : ""}`, onclick: () => this.select(r.strategy, x.step) },
              rcCell(x),
            );
          }),
        ),
      );
    });
    const foot = h("tbody", { class: "summary" });
    for (const [k, label] of SUMMARY_ROWS) {
      const named = (r: RunResult) => (k in r.left ? r.left[k as keyof RunResult["left"]].map((d) => d.replace(/^0000:/, "")) : []);
      foot.append(
        h(
          "tr",
          { "data-summary": k },
          h("th", { class: "step-col" }, label),
          this.runs.map((r) => h("td", { class: `sum${r.summary[k] ? " nonzero" : ""}`, "data-strategy": r.strategy, "data-value": String(r.summary[k]), title: named(r).join(" ") }, String(r.summary[k]), named(r).length ? h("span", { class: "named" }, named(r).join(" ")) : null)),
        ),
      );
    }
    // the file's own run's notes (which Xen release, several hardware domains), as --compare prints them
    const notes = (this.runs.find((r) => r.strategy === this.own) ?? this.runs[0]!).notes.map((n) => h("p", { class: "legend muted", testid: "run-note" }, `note: ${n}`));
    fill(this.table, h("table", { class: "compare" }, h("thead", {}, head), body, foot), h("p", { class: "legend muted" }, "highlighted rows: the strategies differ · ~ failed yet changed state · ! an expectation failed · click a cell to see that step"), ...notes);
  }

  private renderStrategyTabs(): void {
    fill(
      this.strategyTabs,
      this.removals.map((s) => h("button", { class: `tab${s === this.strategy ? " active" : ""}`, role: "tab", "data-strategy": s, "aria-selected": String(s === this.strategy), onclick: () => this.select(s, this.step) }, s)),
    );
  }

  private renderSteps(): void {
    const run = this.runs.find((r) => r.strategy === this.strategy);
    if (!run) return fill(this.stepList);
    fill(
      this.stepList,
      run.steps.map((s) =>
        h(
          "li",
          { class: `step${s.step === this.step ? " selected" : ""}${s.rc === 0 ? "" : " err"}`, "data-step": String(s.step), "data-rc": String(s.rc), onclick: () => this.select(this.strategy, s.step) },
          h("span", { class: "num" }, String(s.step)),
          h("span", { class: "title" }, stepTitle(s, true)),
          h("span", { class: `rc-badge ${s.rc === 0 ? "ok" : "err"}` }, String(s.rc)),
        ),
      ),
    );
    this.stepList.querySelector(".selected")?.scrollIntoView({ block: "nearest" });
  }

  private async renderStep(): Promise<void> {
    const prepared = this.prepared;
    const token = ++this.drawing;
    if (!prepared || this.step === 0) {
      const hint = "Pick a step (a row of the list, a cell of the table) to see the platform after it.";
      fill(this.stepLog, h("p", { class: "muted" }, prepared ? hint : ""));
      // the scenario has run by now: the picture waits for a step, not for a run
      if (prepared) fill(this.topology, emptySvg("Pick a step to see the platform after it."));
      return;
    }
    const run = runPrepared(prepared, { strategy: this.strategy, until: this.step, explain: "all" });
    const step = run.steps[run.steps.length - 1]!;
    this.renderLog(step);
    // the simulator's picture of the run (src/sim/topology.ts); its notes are under the table
    const topo = { ...runTopology(run, prepared), notes: [] };
    const dot = topologyDot(topo, studioStyle(step.sbdf));
    try {
      const svg = await renderSvg(dot);
      if (token !== this.drawing) return;
      svg.dataset.testid = "topology";
      svg.dataset.step = String(this.step);
      svg.dataset.strategy = this.strategy;
      svg.classList.add("topology");
      // a small platform is drawn at most a little over Graphviz's own size, not blown up to the
      // panel's width (its width attribute is in points: 3/4 of a CSS pixel)
      const pt = /^([\d.]+)pt$/.exec(svg.getAttribute("width") ?? "");
      if (pt) svg.style.maxWidth = `${Math.round(Number(pt[1]) * (4 / 3) * 1.2)}px`;
      fill(this.topology, svg);
    } catch (err) {
      if (token === this.drawing) fill(this.topology, emptySvg(`Graphviz could not draw this: ${(err as Error).message}`));
    }
  }

  private renderLog(s: StepResult): void {
    const items: HTMLElement[] = [];
    for (const e of s.events) {
      if ("log" in e) items.push(h("li", { class: "xen" }, h("span", { class: "tag" }, "(XEN)"), e.log));
      else if ("why" in e) items.push(h("li", { class: "xen" }, h("span", { class: "tag" }, "why"), e.why));
      else {
        items.push(decisionItem(e.check, this.ctx.revealLine));
        if (e.check.audit !== undefined) items.push(h("li", { class: `avc${e.check.allowed ? "" : " denied"}` }, h("span", { class: "tag" }, "(XEN)"), e.check.audit));
      }
    }
    for (const e of s.expect) items.push(h("li", { class: `expect ${e.ok ? "ok" : "fail"}` }, h("span", { class: "tag" }, e.ok ? "ok" : "FAIL"), e.ok ? `expect ${e.what} ${e.expected}` : `expect ${e.what}: expected ${e.expected}, got ${e.actual}`));
    fill(
      this.stepLog,
      h("div", { class: "step-head" }, h("span", { class: "num" }, `${s.step}.`), " ", stepTitle(s), h("span", { class: `rc-badge ${s.rc === 0 ? "ok" : "err"}` }, `rc ${s.rc}`), s.partial ? h("span", { class: "partial" }, "failed, yet changed state") : null),
      s.note ? h("p", { class: "note" }, s.note) : null,
      items.length ? h("ul", { class: "events" }, items) : h("p", { class: "muted" }, "no XSM checks, no log lines"),
    );
  }
}

function decisionItem(c: Explained, revealLine: RunnerContext["revealLine"]): HTMLElement {
  const verdict = checkVerdict(c);
  const what = checkQuestion(c, "→");
  const li = h("li", { class: `xsm ${c.allowed ? "allowed" : "denied"}` }, h("span", { class: "tag" }, "xsm"), what, " ", h("b", { class: "verdict-text" }, verdict));
  // the simulator's own reasons: the policy loaded at that step, with its booleans then
  const reasons = (c.reasons ?? []).filter((r) => r.kind !== "auditallow" || !c.allowed);
  if (reasons.length) li.append(h("ul", { class: "reasons" }, groupIdentical(reasons, (r) => r.text).map(({ item, count }) => h("li", { class: `reason ${item.kind}` }, ...reasonJsonParts(item, revealLine), identicalSuffix(count)))));
  return li;
}

function reasonJsonParts(r: ReasonJson, revealLine: RunnerContext["revealLine"]): (Node | string)[] {
  if (!r.rule) return [r.text];
  const rule = r.rule;
  const link = ruleLink(rule.file, rule.line, rule.expansion, () => revealLine(rule.file, rule.line));
  const text = h("code", { class: "rule-text" }, rule.text.length > 140 ? `${rule.text.slice(0, 137)}...` : rule.text);
  switch (r.kind) {
    case "granted-by":
      return ["granted by ", link, text];
    case "disabled-by-bool": {
      const now = Object.entries(r.booleans ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
      return ["would be granted by ", link, ` but its condition (${r.condition}) is false${now ? `; now ${now}` : ""}`, text];
    }
    case "constraint-failed":
      return ["constraint fails: ", link, text];
    case "auditallow":
      return ["audited by ", link, text];
    case "dontaudit":
      return ["not audited by ", link, text];
    default:
      return [r.text];
  }
}

function emptySvg(text: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 400 60");
  svg.setAttribute("class", "topology empty");
  svg.dataset.testid = "topology";
  const t = document.createElementNS(ns, "text");
  t.setAttribute("x", "200");
  t.setAttribute("y", "35");
  t.setAttribute("text-anchor", "middle");
  t.textContent = text;
  svg.append(t);
  return svg;
}
