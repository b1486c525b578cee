// The studio page: files from files.json, the policy editor with its diagnostics and outline, the
// decision explorer and access grid, the scenario editor and runner, and the files kept in step
// with the disk (disk-sync.ts: Save, conflicts, unsaved marks). Everything runs here: the same
// compiler, decisions and simulator as the CLI, bundled (scripts/build-studio.mjs).
import type { Span } from "../../diagnostics/diagnostic.js";
import { error, hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { compile } from "../../policy/index.js";
import type { PolicyAst } from "../../policy/ast.js";
import { parsePolicy } from "../../policy/parse.js";
import type { Prepared } from "../../sim/run.js";
import { prepareChecked } from "../../sim/prepare-checked.js";
import type { Scenario, ScenarioError } from "../../sim/scenario.js";
import schema from "../../sim/scenario.schema.json" with { type: "json" };
import { duplicateKeyErrors, scenarioErrors, type LoadedScenario } from "../../sim/validate.js";
import { atPath, PolicyError } from "../../diagnostics/diagnostic.js";
import { Text, type ChangeDesc } from "@codemirror/state";
import type { StudioFile } from "../manifest.js";
import { renderAccessGrid } from "./access-grid.js";
import { DecisionExplorer } from "./decisions.js";
import { DiskSync } from "./disk-sync.js";
import { fill, h } from "./dom.js";
import { PolicyEditor } from "./policy-editor.js";
import { ScenarioEditor } from "./scenario-editor.js";
import { ScenarioRunner } from "./scenario-runner.js";
import { mapDiagnostics } from "./map-diagnostics.js";
import { renderDiagnosticList, renderOutline, renderStatus } from "./policy-panels.js";
import { binaryState, EMPTY_POLICY, emptyState, type PolicyState } from "./policy-state.js";
import { indexPolicy, type PolicyIndex } from "./symbols.js";
import { indexInTree, TREE_CONF, TreeBuild, treeLabel } from "./tree.js";
import { dirOf, Workspace } from "./workspace.js";

/** The editor's name for a tree's m4 output (read only: no edit of it can reach the tree's files). */
const M4_OUTPUT = "\0m4";

class Studio {
  private policyFile: string | undefined;
  private scenarioFile: string | undefined;
  private state: PolicyState = { file: "", diagnostics: [] };
  private lastIndex: PolicyIndex | undefined;
  /** The open policy's tree, when it is one; each tree's edits and build survive switching. */
  private tree: TreeBuild | undefined;
  private readonly trees = new Map<string, TreeBuild>();
  /** What the editor shows: the policy file, or a file of its tree, or M4_OUTPUT. */
  private editing: string | undefined;
  private rebuilding: Promise<void> = Promise.resolve();
  private readonly treeSelect = h("select", { class: "tree-file", testid: "tree-file", "aria-label": "a file of the policy tree" });
  private readonly treeNote = h("div", { class: "tree-note", testid: "tree-note", role: "status" });
  private readonly treeBar = h("div", { class: "tree-bar", testid: "tree-bar", hidden: true }, h("span", { class: "muted" }, "tree file"), this.treeSelect, this.treeNote);
  private readonly status = h("span", { class: "status", testid: "status" });
  /** Save, the conflict bar, the check of the disk on return to the page. */
  private readonly disk: DiskSync;
  /** Each edited file's changes since the text its diagnostics answer for (a tree's: the texts the
   *  last rebuild sent), and that text: a late answer is moved through them. */
  private readonly sinceAnswer = new Map<string, { before: Text; changes: ChangeDesc }>();
  private lastMs = 0;
  private readonly diagnosticsEl = h("div", { class: "diagnostics", testid: "diagnostics" });
  private readonly outlineEl = h("nav", { class: "outline", testid: "outline" });
  private readonly gridEl = h("div", { class: "access-grid", testid: "access-grid" });
  private readonly scenarioErrorsEl = h("div", { class: "scenario-errors", testid: "scenario-errors" });
  private readonly leftTabs = h("div", { class: "tabs" });
  private readonly rightTabs = h("div", { class: "tabs" });
  private readonly policyEditor: PolicyEditor;
  private readonly scenarioEditor: ScenarioEditor;
  private readonly explorer: DecisionExplorer;
  private readonly runner: ScenarioRunner;
  private readonly panes: Record<string, HTMLElement> = {};
  private compileTimer: number | undefined;
  private scenarioTimer: number | undefined;

  constructor(private readonly ws: Workspace, root: HTMLElement) {
    this.disk = new DiskSync(ws, { activeFile: () => this.activeFile(), label: (key) => this.fileLabel(key), taken: (keys) => this.taken(keys), changed: () => this.renderTabs() });
    const policyHost = h("div", { class: "editor", testid: "editor" });
    const scenarioHost = h("div", { class: "editor", testid: "scenario-editor" });
    this.policyEditor = new PolicyEditor({
      parent: policyHost,
      text: "",
      onChange: (t, changes, before) => this.policyEdited(t, changes, before),
      index: () => this.lastIndex,
      goto: (span) => this.reveal(span),
      where: (span) => (this.tree ? `${span.file}:${span.line}` : `line ${this.physicalLine(span.offset)}`),
      refused: () => this.treeRefused(),
    });
    this.treeSelect.addEventListener("change", () => this.edit(this.treeSelect.value));
    this.scenarioEditor = new ScenarioEditor({ parent: scenarioHost, schema, onChange: (t) => this.scenarioEdited(t), hints: () => this.hints() });
    const view = { policy: () => this.state.policy, index: () => this.state.index, reveal: (s: Span) => this.reveal(s), locate: () => this.tree?.rule, binary: () => (this.state.listing !== undefined ? this.state.file : undefined) };
    this.explorer = new DecisionExplorer(view);
    this.runner = new ScenarioRunner({ revealLine: (f, l) => this.revealLine(f, l) });

    this.panes["policy"] = h("div", { class: "pane policy-pane" }, this.treeBar, h("div", { class: "editor-row" }, this.outlineEl, policyHost), this.diagnosticsEl);
    this.panes["scenario-json"] = h("div", { class: "pane" }, h("div", { class: "editor-row" }, scenarioHost), this.scenarioErrorsEl);
    this.panes["decisions"] = h("div", { class: "pane decisions-pane" }, h("h2", {}, "Decision"), this.explorer.form, this.explorer.result, h("h2", {}, "Access grid", h("span", { class: "muted sub" }, " hardware domains and guests of each platform × device labels, resource permissions")), this.gridEl);
    this.panes["scenario"] = h(
      "div",
      { class: "pane scenario-pane" },
      h("h2", {}, "Every PF-removal strategy", h("span", { class: "muted sub" }, " return code per step (xsm simulate --compare)")),
      this.runner.table,
      h("div", { class: "step-view" }, h("div", { class: "steps-col" }, h("h2", {}, "Steps"), this.runner.strategyTabs, this.runner.stepList), h("div", { class: "picture-col" }, h("h2", {}, "Platform after the step"), this.runner.topology, this.runner.stepLog)),
    );

    const fileSelect = h("select", { class: "file-select", testid: "file-select", "aria-label": "open a file" }, ws.files.map((f) => h("option", { value: f.name }, f.tree ? `policy tree · ${treeLabel(f.name, f.tree)}` : `${f.kind === "policy" ? "policy" : "scenario"} · ${f.name}`)));
    fileSelect.addEventListener("change", () => this.open(ws.files.find((f) => f.name === fileSelect.value)!));
    root.append(
      h("header", {}, h("h1", {}, h("span", { class: "logo" }, "xsm"), " studio"), h("span", { class: "started-on mono" }, ws.manifest.title), fileSelect, this.disk.saveButton, this.status),
      ...(ws.manifest.notice ? [h("div", { class: "notice", testid: "notice", role: "alert" }, ws.manifest.notice)] : []),
      // (what an editor leaves out of a folder, it says: a .json that is no scenario)
      ...(ws.manifest.skipped?.length
        ? [h("details", { class: "skipped", testid: "skipped" }, h("summary", {}, `${ws.manifest.skipped.length} file${ws.manifest.skipped.length > 1 ? "s" : ""} not offered`), h("ul", {}, ws.manifest.skipped.map((s) => h("li", {}, h("span", { class: "mono" }, s.name), `: ${s.reason}`))))]
        : []),
      this.disk.message,
      this.disk.compareEl,
      (this.mainEl = h("main", {}, h("section", { class: "left" }, this.leftTabs, this.panes["policy"], this.panes["scenario-json"]), h("section", { class: "right" }, this.rightTabs, this.panes["decisions"], this.panes["scenario"]))),
    );
    this.fileSelect = fileSelect;
  }
  private fileSelect: HTMLSelectElement;
  private mainEl!: HTMLElement;
  private left: "policy" | "scenario-json" = "policy";
  private right: "decisions" | "scenario" = "decisions";

  start(params: URLSearchParams): void {
    const m = this.ws.manifest;
    const scenario = params.get("scenario") ?? m.open.scenario;
    const policy = params.get("policy") ?? m.open.policy;
    if (scenario && this.ws.has(scenario)) this.openScenario(scenario);
    if (policy && this.ws.has(policy) && !(scenario && this.ws.has(scenario) && params.get("policy") === null)) this.openPolicy(policy);
    if (!this.policyFile && !this.scenarioFile) fill(this.status, "no policy or scenario to open");
    const strategy = params.get("strategy");
    const step = Number(params.get("step") ?? 0);
    if (this.scenarioFile && (strategy || step)) this.runner.select(this.runner.removals.find((s) => s === strategy) ?? this.runner.strategy, step);
    this.showRight(params.get("view") === "decisions" || !this.scenarioFile ? "decisions" : "scenario");
    this.showLeft(params.get("edit") === "scenario" ? "scenario-json" : this.policyFile ? "policy" : "scenario-json");
  }

  // ---- files -----------------------------------------------------------------------------------

  private open(f: StudioFile): void {
    if (f.kind === "policy") this.openPolicy(f.name), this.showLeft("policy");
    else this.openScenario(f.name), this.showLeft("scenario-json"), this.showRight("scenario");
  }

  private openPolicy(name: string): void {
    this.flushPolicy();
    // (another policy's names would be offered for one that never parsed: a tree that did not build)
    if (name !== this.policyFile) this.lastIndex = undefined;
    this.policyFile = name;
    this.tree = this.treeFor(name);
    if (this.tree) {
      // the file of the build's first error (a tree that did not build at start), else the tree's
      // first module, where a policy's own rules start (xen.te in Xen's tree)
      const tree = this.tree;
      const failing = tree.m4Diagnostics.find((d) => d.severity === "error" && d.span && tree.fileOf(tree.key(d.span.file)))?.span?.file;
      const first = failing ?? tree.files.find((f) => f.endsWith(".te")) ?? tree.files[0]!;
      this.editing = undefined;
      this.edit(this.tree.key(first), false);
    } else {
      this.editing = name;
      this.policyEditor.load(this.ws.text(name) ?? "", this.ws.binary(name) !== undefined);
      this.renderTreeBar();
    }
    this.compile();
    this.renderTabs();
  }

  /** The tree a policy of the workspace is, if it is one. */
  private treeFor(name: string): TreeBuild | undefined {
    const info = this.ws.files.find((f) => f.name === name)?.tree;
    if (!info) return undefined;
    let tree = this.trees.get(name);
    if (!tree) this.trees.set(name, (tree = new TreeBuild(name, info, this.ws)));
    return tree;
  }

  /** Shows a file of the open tree (its workspace name) or its m4 output in the editor. */
  private edit(key: string, diagnostics = true): void {
    const tree = this.tree;
    if (!tree || key === this.editing) return;
    this.flushPolicy();
    this.editing = key;
    const m4 = key === M4_OUTPUT;
    this.policyEditor.load(m4 ? tree.conf : (this.ws.text(key) ?? ""), m4 || tree.readOnly !== undefined);
    this.renderTreeBar();
    if (diagnostics) this.policyEditor.showDiagnostics(this.editorDiagnostics());
  }

  private renderTreeBar(): void {
    const tree = this.tree;
    this.treeBar.hidden = !tree;
    if (!tree) return;
    const file = this.editing === M4_OUTPUT ? undefined : tree.fileOf(this.editing ?? "");
    fill(this.treeSelect, tree.files.map((f) => h("option", { value: tree.key(f), selected: f === file }, f)), h("option", { value: M4_OUTPUT, selected: !file }, `${TREE_CONF}: m4's output (read only)`));
    this.treeNote.classList.remove("flash");
    if (!file) {
      this.treeNote.className = "tree-note warn";
      this.treeNote.dataset.state = "read-only";
      fill(this.treeNote, `m4's output of the policy tree ${tree.label}, read only: an edit here could not be written back to the .te/.if line that produced it. Edit the tree's files (pick one above); the studio runs m4 over them again.`);
    } else if (tree.readOnly) {
      this.treeNote.className = "tree-note warn";
      this.treeNote.dataset.state = "no-m4";
      fill(this.treeNote, `${file}, read only: ${tree.readOnly}.`);
    } else if (!tree.canRebuild) {
      this.treeNote.className = "tree-note warn";
      this.treeNote.dataset.state = "no-rebuild";
      fill(this.treeNote, `This exported site cannot run m4: edits to ${file} stay in the page and are not built (the policy is the tree as exported). Serve the tree with xsm studio to rebuild it as you edit.`);
    } else {
      this.treeNote.className = "tree-note";
      this.treeNote.dataset.state = "editable";
      const target = this.ws.saveTarget(tree.key(file));
      const saving = "url" in target ? "Save (Ctrl+S) writes the file back to disk." : `The file on disk stays as it is: ${target.refused}.`;
      fill(this.treeNote, `Policy tree ${tree.label}: ${file}. Edits are built with m4 as xsm build builds the tree. ${saving}`);
    }
    this.renderDirty();
  }

  /** A key typed into m4's output: nothing changes, and the note says why again. */
  private treeRefused(): void {
    this.treeNote.classList.remove("flash");
    void this.treeNote.offsetWidth; // (restarts the animation)
    this.treeNote.classList.add("flash");
    this.treeNote.dataset.refused = String(Number(this.treeNote.dataset.refused ?? 0) + 1);
  }

  private openScenario(name: string): void {
    this.scenarioFile = name;
    const text = this.ws.text(name) ?? "";
    this.scenarioEditor.load(text);
    // the scenario's policy comes with it
    try {
      const s = JSON.parse(text) as Partial<Scenario>;
      if (typeof s.policy === "string") {
        const p = this.ws.resolve(dirOf(name), s.policy);
        if (this.ws.has(p) && p !== this.policyFile) this.openPolicy(p);
      }
    } catch {
      // the editor shows the syntax error
    }
    this.runScenario(true);
    this.renderTabs();
  }

  private renderTabs(): void {
    this.fileSelect.value = (this.left === "policy" ? this.policyFile : this.scenarioFile) ?? "";
    const dirty = (id: typeof this.left) => (id === "policy" ? this.policyDirty() : this.scenarioFile !== undefined && this.ws.dirty(this.scenarioFile));
    const tab = (id: typeof this.left, label: string | undefined, kind: string) =>
      label
        ? h(
            "button",
            { class: `tab${this.left === id ? " active" : ""}`, "data-tab": id, ...(dirty(id) ? { "data-unsaved": "true" } : {}), onclick: () => this.showLeft(id) },
            h("span", { class: `file-kind ${kind}` }, kind),
            label,
            dirty(id) ? h("span", { class: "unsaved", testid: "unsaved", title: "unsaved changes" }, " ●") : null,
          )
        : null;
    fill(this.leftTabs, tab("policy", this.tree?.name === this.policyFile ? this.tree?.label : this.policyFile, this.tree ? "policy tree" : "policy"), tab("scenario-json", this.scenarioFile, "scenario"));
    const rtab = (id: typeof this.right, label: string) => h("button", { class: `tab${this.right === id ? " active" : ""}`, "data-tab": id, onclick: () => this.showRight(id) }, label);
    fill(this.rightTabs, rtab("decisions", "Decisions & access grid"), this.scenarioFile ? rtab("scenario", "Scenario runner") : null);
    this.renderDirty();
  }

  /** The open policy has edits not saved (a tree: any of its files). */
  private policyDirty(): boolean {
    return this.policyFile !== undefined && this.ws.edited(this.policyFile);
  }

  private renderDirty(): void {
    this.disk.renderMarks([this.fileSelect, this.treeSelect]);
  }

  /** The file the editor shown holds (undefined: m4's output, or nothing open). */
  private activeFile(): string | undefined {
    if (this.left === "scenario-json") return this.scenarioFile;
    if (this.tree) return this.editing === M4_OUTPUT ? undefined : this.editing;
    return this.policyFile;
  }

  /** A file as the user knows it: a tree's by its name in the tree. */
  private fileLabel(key: string): string {
    return this.tree?.fileOf(key) ?? key;
  }

  /** The disk's texts of `keys` are the page's now: the editors showing them follow (cursor kept)
   *  and what is built from them is built again, once for the set (a tree's m4 once, however many
   *  of its files were taken). */
  private taken(keys: string[]): void {
    const trees = new Set<TreeBuild>();
    let plain = false;
    for (const key of keys) {
      const text = this.ws.text(key) ?? "";
      this.sinceAnswer.delete(key);
      if (this.editing === key) this.policyEditor.reload(text);
      if (key === this.scenarioFile) this.scenarioEditor.reload(text);
      const treeName = this.ws.treeOf(key);
      if (treeName !== undefined) trees.add(this.treeFor(treeName)!);
      else plain = true;
    }
    for (const tree of trees) if (tree.canRebuild) this.rebuild(tree);
    if (plain) {
      if (keys.includes(this.policyFile ?? "")) this.compile();
      // (the scenario, or a policy it names)
      if (this.scenarioFile) this.runScenario(false);
    }
    this.renderTabs();
  }

  private showLeft(id: typeof this.left): void {
    this.left = id;
    this.panes["policy"]!.hidden = id !== "policy";
    this.panes["scenario-json"]!.hidden = id !== "scenario-json";
    this.renderTabs();
  }

  private showRight(id: typeof this.right): void {
    this.right = id;
    this.panes["decisions"]!.hidden = id !== "decisions";
    this.panes["scenario"]!.hidden = id !== "scenario";
    // the runner's table and picture want the width; the decisions share it with the editor
    this.mainEl.classList.toggle("wide-right", id === "scenario");
    this.renderTabs();
  }

  /** A line of a policy the open scenario names (as it names it; a tree's rule by the tree's file). */
  revealLine(file: string, line: number): void {
    const tree = this.scenarioTree();
    if (tree && this.ws.has(tree.key(file))) {
      if (this.policyFile !== tree.name) this.openPolicy(tree.name);
      this.showLeft("policy");
      this.edit(tree.key(file));
      const doc = this.policyEditor.view.state.doc;
      const l = doc.line(Math.min(Math.max(1, line), doc.lines));
      return this.policyEditor.reveal(l.from, l.length);
    }
    const name = this.scenarioFile ? this.ws.resolve(dirOf(this.scenarioFile), file) : file;
    if (!this.ws.has(name)) return;
    if (name !== this.policyFile) this.openPolicy(name);
    this.showLeft("policy");
    const doc = this.policyEditor.view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line), doc.lines));
    this.policyEditor.reveal(l.from, l.length);
  }

  /** A span of the open policy: a tree's in the file it names. */
  reveal(span: Span): void {
    this.showLeft("policy");
    if (this.tree) {
      const key = this.tree.key(span.file);
      if (!this.ws.has(key)) return;
      this.edit(key);
    }
    this.policyEditor.reveal(span.offset, span.length);
  }

  /** The tree the open scenario's policy is, if it is one. */
  private scenarioTree(): TreeBuild | undefined {
    if (!this.scenarioFile) return undefined;
    try {
      const s = JSON.parse(this.ws.text(this.scenarioFile) ?? "") as Partial<Scenario>;
      return typeof s.policy === "string" ? this.treeFor(this.ws.resolve(dirOf(this.scenarioFile), s.policy)) : undefined;
    } catch {
      return undefined;
    }
  }

  // ---- the policy ------------------------------------------------------------------------------

  private policyEdited(text: string, changes: ChangeDesc, before: Text): void {
    const tree = this.tree;
    const key = tree ? this.editing : this.policyFile;
    if (!key || key === M4_OUTPUT) return; // (read only: never reached)
    this.ws.setText(key, text);
    this.carry(key, changes, before);
    this.renderTabs();
    window.clearTimeout(this.compileTimer);
    this.compileTimer = undefined;
    if (tree) {
      if (tree.canRebuild) this.compileTimer = window.setTimeout(() => ((this.compileTimer = undefined), this.rebuild(tree)), 400);
      return;
    }
    this.compileTimer = window.setTimeout(() => {
      this.compileTimer = undefined;
      this.compile();
      if (this.scenarioFile) this.runScenario(false);
    }, 250);
  }

  /** An edit of `key`: the diagnostics shown move with the text until the next answer, and the
   *  change is kept for an answer about the text before it (a rebuild under way). */
  private carry(key: string, changes: ChangeDesc, before: Text): void {
    const after = this.policyEditor.view.state.doc;
    const file = this.tree ? this.tree.fileOf(key) : undefined;
    const here = (f: string) => !this.tree || f === file;
    this.state = { ...this.state, diagnostics: mapDiagnostics(this.state.diagnostics, changes, before, after, here) };
    this.renderDiagnostics(this.lastMs);
    const since = this.sinceAnswer.get(key);
    this.sinceAnswer.set(key, since ? { before: since.before, changes: since.changes.composeDesc(changes) } : { before, changes });
  }

  /** m4 over the tree's files as edited (one build at a time, each with the texts then), then
   *  the compile and the scenario again. */
  private rebuild(tree: TreeBuild): void {
    // (a tree not open is rebuilt too, when one of its files is taken from disk: its own status
    // line is its compile's, when it is opened)
    if (this.tree === tree) fill(this.status, h("span", { class: "pill" }, "building"), " m4 over the tree");
    this.rebuilding = this.rebuilding.then(async () => {
      // (the answer is about the texts sent now: later edits are carried over it)
      for (const f of tree.files) this.sinceAnswer.delete(tree.key(f));
      await tree.rebuild(new URL(".", window.location.href));
      if (this.tree !== tree) return;
      this.compile();
      if (this.scenarioFile) this.runScenario(false);
    });
  }

  /** Before the editor changes file: a tree's pending rebuild runs now (the edit is built even if
   *  no other follows); a policy.conf's compile is dropped, its text compiled when it is opened. */
  private flushPolicy(): void {
    if (this.compileTimer === undefined) return;
    window.clearTimeout(this.compileTimer);
    this.compileTimer = undefined;
    if (this.tree?.canRebuild) this.rebuild(this.tree);
  }

  private compile(): void {
    const file = this.policyFile!;
    const tree = this.tree;
    if (!tree && (this.ws.binary(file) || this.policyEditor.text === "")) return this.compileWhole(file);
    // a tree: m4's output, with every location pointed into the tree's files
    const text = tree ? tree.conf : this.policyEditor.text;
    const name = tree ? TREE_CONF : file;
    const started = performance.now();
    const m4Failed = tree !== undefined && hasErrors(tree.m4Diagnostics);
    const run = compile(text, { file: name });
    // (m4's errors stop the build, as in xsm build: the last good output answers nothing)
    const ok = run.ok && !m4Failed;
    const compiled = m4Failed ? [] : [...(run.ok ? run.value.diagnostics : run.error)];
    let diagnostics = tree ? [...tree.m4Diagnostics, ...compiled.map((d) => tree.diagnostic(d))] : compiled;
    // a tree's answer is about the texts its rebuild sent: edits since move its spans onto the text
    // now (a policy.conf compiles the editor's text as it is)
    if (tree) {
      for (const f of tree.files) {
        const since = this.sinceAnswer.get(tree.key(f));
        if (since) diagnostics = mapDiagnostics(diagnostics, since.changes, since.before, Text.of((this.ws.text(tree.key(f)) ?? "").split("\n")), (x) => x === f);
      }
    } else this.sinceAnswer.delete(file);
    const state: PolicyState = { file, diagnostics, ...(run.ok && ok ? { policy: run.value.policy } : {}) };
    // the index comes from the parse (its rules' grants once it resolves), so hover and the outline
    // keep working while a later stage reports errors; the explorer and the grid answer only for a
    // policy that compiles (a compile that succeeded kept its parse and its symbols: the text is
    // parsed again only after a failed one)
    const parsedAst = run.ok ? run.value.parsed : parsedWithoutErrors(text, name);
    const parsedIndex = parsedAst === undefined ? undefined : indexPolicy(parsedAst, run.ok ? run.value : undefined);
    const index = parsedIndex && tree ? indexInTree(parsedIndex, (span) => tree.locate(span)) : parsedIndex;
    if (index) this.lastIndex = index;
    if (ok && index) state.index = index;
    this.state = state;
    const ms = (this.lastMs = performance.now() - started);
    if (tree && this.editing === M4_OUTPUT) this.policyEditor.load(tree.conf, true);
    this.policyEditor.showDiagnostics(this.editorDiagnostics());
    this.renderDiagnostics(ms);
    this.renderAnswers();
  }

  /** A policy with no text to compile: a binary policy, loaded as xsm simulate loads it (its stats,
   *  decisions, names, rule listing and its outline), or an empty file, which simulate refuses. */
  private compileWhole(file: string): void {
    const started = performance.now();
    const bytes = this.ws.binary(file);
    this.state = bytes ? binaryState(bytes, file) : emptyState(file);
    // (a binary's names, hover and outline are its listing's)
    this.lastIndex = this.state.index;
    // (its rule listing, as xsm compile lists a binary, read only: the diagnostics point into it)
    if (this.state.listing !== undefined) this.policyEditor.load(this.state.listing, true);
    this.policyEditor.showDiagnostics(this.state.diagnostics);
    this.renderDiagnostics((this.lastMs = performance.now() - started));
    this.renderAnswers();
  }

  /** The outline, the explorer and the grid, for the policy as last compiled or loaded. */
  private renderAnswers(): void {
    const binary = this.state.listing !== undefined ? this.state.file : undefined;
    renderOutline(this.outlineEl, this.lastIndex, (s) => this.reveal(s), binary !== undefined);
    this.explorer.refresh();
    renderAccessGrid(this.gridEl, this.state.policy, this.state.index, (c) => (this.showRight("decisions"), this.explorer.ask({ source: c.source, target: c.target, tclass: "resource", perm: c.perm })), binary);
  }

  /** The diagnostics of the text in the editor: all of a policy.conf's; a tree's in the file shown. */
  private editorDiagnostics(): Diagnostic[] {
    const tree = this.tree;
    if (!tree) return this.state.diagnostics;
    const file = tree.fileOf(this.editing ?? "");
    if (!file) return [];
    return this.state.diagnostics.flatMap((d) => {
      const here = d.span?.file === file;
      const notes = (d.notes ?? []).filter((n) => n.span?.file === file);
      if (!here && !notes.length) return [];
      const { span, ...rest } = d;
      return [{ ...rest, ...(here ? { span } : {}), notes }];
    });
  }

  private renderDiagnostics(ms: number): void {
    renderStatus(this.status, this.state, ms);
    const tree = this.tree !== undefined;
    // (a tree is named as the page names it, "xen-flask/", not by its key, ".")
    const state = this.tree ? { ...this.state, file: this.tree.label } : this.state;
    renderDiagnosticList(this.diagnosticsEl, state, { tree, reveal: (s) => this.reveal(s), lineOf: (s) => (tree ? s.line : this.physicalLine(s.offset)) });
  }

  /** The editor's line of an offset (diagnostic lines are #line-mapped; the editor shows the text). */
  private physicalLine(offset: number): number {
    const doc = this.policyEditor.view.state.doc;
    return doc.lineAt(Math.min(offset, doc.length)).number;
  }

  // ---- the scenario ----------------------------------------------------------------------------

  private hints(): { domains: string[]; sbdfs: string[] } {
    let domains: string[] = [];
    try {
      domains = ((JSON.parse(this.scenarioEditor.text) as Scenario).domains ?? []).map((d) => d.name);
    } catch {
      // no names while it does not parse
    }
    const sbdfs = (this.lastIndex?.platforms ?? []).flatMap((p) => p.devices.flatMap((d) => d.sbdfs));
    return { domains, sbdfs };
  }

  private scenarioEdited(text: string): void {
    if (this.scenarioFile) this.ws.setText(this.scenarioFile, text);
    this.renderTabs();
    window.clearTimeout(this.scenarioTimer);
    this.scenarioTimer = window.setTimeout(() => this.runScenario(false), 300);
  }

  private runScenario(first: boolean): void {
    const name = this.scenarioFile;
    if (!name) return;
    const text = this.ws.text(name) ?? "";
    const dir = dirOf(name);
    const errors: ScenarioError[] = [];
    let prepared: Prepared | undefined;
    let data: unknown;
    const syntax = this.scenarioEditor.syntaxError();
    if (syntax) errors.push(atPath("scenario-file", "", `not JSON: ${syntax}`));
    else {
      data = JSON.parse(text);
      errors.push(...duplicateKeyErrors(text), ...scenarioErrors(data, { exists: (rel) => this.ws.has(this.ws.resolve(dir, rel)), where: (rel) => this.ws.resolve(dir, rel) }));
    }
    if (!syntax) {
      const loaded: LoadedScenario = {
        scenario: data as Scenario,
        file: name,
        dir,
        readPolicy: (d, rel) => {
          const name = this.ws.resolve(d, rel);
          const tree = this.treeFor(name);
          // (a binary runs as Xen loads it; an empty file is refused as xsm simulate refuses it)
          const bytes = this.ws.binary(name);
          if (bytes) return bytes;
          if (!tree && this.ws.text(name) === "") throw new PolicyError([error("input", `cannot read policy ${rel}: ${EMPTY_POLICY}`)]);
          if (!tree) return this.ws.text(name) ?? "";
          // (m4's errors stop the tree's build: reported at the JSON path naming it, as xsm simulate does)
          if (hasErrors(tree.m4Diagnostics)) throw new PolicyError(tree.m4Diagnostics.filter((x) => x.severity === "error"));
          return tree.source();
        },
      };
      // (with the checks' errors, prepared too where well formed: every error at once, as xsm simulate)
      const isObject = typeof data === "object" && data !== null && !Array.isArray(data);
      const p = prepareChecked(errors, isObject || !errors.length ? loaded : undefined);
      if (p.ok) prepared = p.value;
      else errors.splice(0, errors.length, ...p.error);
    }
    this.scenarioEditor.showErrors(errors);
    fill(
      this.scenarioErrorsEl,
      errors.length
        ? h("ul", {}, errors.map((e) => h("li", { class: "diag error" }, h("span", { class: "sev error" }, "error"), h("span", { class: "loc mono" }, `${name}: ${e.path || "/"}`), h("span", { class: "msg" }, e.message))))
        : h("div", { class: "clean" }, `${name}: valid (${(data as Scenario).steps.length} steps, ${(data as Scenario).domains.length} domains)`),
    );
    if (errors.length && !first) return; // keep the last good run on screen while it is edited
    this.runner.load(prepared);
  }
}

/** The text's AST when it parses without an error. */
function parsedWithoutErrors(text: string, file: string): PolicyAst | undefined {
  const parsed = parsePolicy(text, file);
  return hasErrors(parsed.diagnostics) ? undefined : parsed.ast;
}

async function main(): Promise<void> {
  const root = document.getElementById("studio")!;
  try {
    const ws = await Workspace.load(new URL(".", window.location.href));
    const studio = new Studio(ws, root);
    studio.start(new URLSearchParams(window.location.search));
    document.body.dataset.ready = "true";
  } catch (err) {
    fill(root, h("div", { class: "fatal" }, h("h1", {}, "xsm studio could not start"), h("p", {}, (err as Error).message)));
    document.body.dataset.ready = "error";
  }
}

void main();
