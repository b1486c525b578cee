// The studio page: files from files.json, the policy editor with its diagnostics and outline, the
// decision explorer and access grid, the scenario editor and runner. Everything runs here: the
// same compiler, decisions and simulator as the CLI, bundled (scripts/build-studio.mjs).
import type { Span } from "../../diagnostics/diagnostic.js";
import { hasErrors, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { compile } from "../../policy/index.js";
import { parsePolicy } from "../../policy/parse.js";
import type { CompiledPolicy } from "../../policy/types.js";
import { STRATEGIES, type Strategy } from "../../hypervisor/types.js";
import { prepare, type Prepared } from "../../sim/run.js";
import type { Scenario, ScenarioError } from "../../sim/scenario.js";
import schema from "../../sim/scenario.schema.json" with { type: "json" };
import { scenarioErrors, type LoadedScenario } from "../../sim/validate.js";
import { atPath, PolicyError } from "../../diagnostics/diagnostic.js";
import { Text, type ChangeDesc } from "@codemirror/state";
import { DISK_STATE, diskUrl, type DiskStateRequest, type DiskStateResponse, type DiskTextResponse, type SaveRequest, type SaveResponse, type StudioFile } from "../manifest.js";
import { renderAccessGrid } from "./access-grid.js";
import { DecisionExplorer } from "./decisions.js";
import { fill, h } from "./dom.js";
import { PolicyEditor } from "./policy-editor.js";
import { ScenarioEditor } from "./scenario-editor.js";
import { ScenarioRunner } from "./scenario-runner.js";
import { mapDiagnostics } from "./map-diagnostics.js";
import { hunks, lineDiff } from "./line-diff.js";
import { indexPolicy, type PolicyIndex } from "./symbols.js";
import { indexInTree, TREE_CONF, TreeBuild } from "./tree.js";
import { dirOf, Workspace } from "./workspace.js";

/** The editor's name for a tree's m4 output (read only: no edit of it can reach the tree's files). */
const M4_OUTPUT = "\0m4";

interface PolicyState {
  file: string;
  diagnostics: Diagnostic[];
  policy?: CompiledPolicy;
  index?: PolicyIndex;
}

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
  private readonly saveButton = h("button", { class: "save", testid: "save", type: "button" }, "Save");
  /** What the last save said (saved, refused, a conflict with its choice). */
  private readonly saveMessage = h("div", { class: "save-message", testid: "save-message", role: "status", hidden: true });
  /** How many messages have been said: a brief one hides only if nothing was said since. */
  private said = 0;
  /** A conflict's Compare: the page's text against the disk's, read only. */
  private readonly compareEl = h("section", { class: "compare", testid: "compare-view", hidden: true });
  /** The disk state (digest or error) each file's conflict was last shown for after a focus check:
   *  shown once, not again on every return to the page. */
  private readonly noticed = new Map<string, string>();
  private checking = false;
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
    const view = { policy: () => this.state.policy, index: () => this.state.index, reveal: (s: Span) => this.reveal(s), locate: () => this.tree?.rule };
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

    const fileSelect = h("select", { class: "file-select", testid: "file-select", "aria-label": "open a file" }, ws.files.map((f) => h("option", { value: f.name }, `${f.kind === "policy" ? "policy" : "scenario"} · ${f.name}`)));
    fileSelect.addEventListener("change", () => this.open(ws.files.find((f) => f.name === fileSelect.value)!));
    root.append(
      h("header", {}, h("h1", {}, h("span", { class: "logo" }, "xsm"), " studio"), h("span", { class: "started-on mono" }, ws.manifest.title), fileSelect, this.saveButton, this.status),
      ...(ws.manifest.notice ? [h("div", { class: "notice", testid: "notice", role: "alert" }, ws.manifest.notice)] : []),
      this.saveMessage,
      this.compareEl,
      (this.mainEl = h("main", {}, h("section", { class: "left" }, this.leftTabs, this.panes["policy"], this.panes["scenario-json"]), h("section", { class: "right" }, this.rightTabs, this.panes["decisions"], this.panes["scenario"]))),
    );
    this.fileSelect = fileSelect;
    this.saveButton.addEventListener("click", () => void this.save());
    // Ctrl/Cmd+S anywhere on the page (both editors, the forms): the file in the editor shown
    document.addEventListener(
      "keydown",
      (e) => {
        if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "s") {
          e.preventDefault();
          void this.save();
        }
      },
      true,
    );
    // back from another window or tab, where another program may have changed the files
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && this.checkDisk());
    window.addEventListener("focus", () => this.checkDisk());
    window.addEventListener("beforeunload", (e) => {
      if (!this.ws.unsaved().length) return;
      e.preventDefault();
      e.returnValue = ""; // (older browsers ask only when it is set)
    });
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
    if (this.scenarioFile && (strategy || step)) this.runner.select((STRATEGIES as readonly string[]).includes(strategy ?? "") ? (strategy as Strategy) : this.runner.strategy, step);
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
      const first = failing ?? tree.files.find((f) => f.startsWith("modules/") && f.endsWith(".te")) ?? tree.files[0]!;
      this.editing = undefined;
      this.edit(this.tree.key(first), false);
    } else {
      this.editing = name;
      this.policyEditor.load(this.ws.text(name) ?? "");
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
      fill(this.treeNote, `m4's output of the policy tree ${tree.name}, read only: an edit here could not be written back to the .te/.if line that produced it. Edit the tree's files (pick one above); the studio runs m4 over them again.`);
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
      fill(this.treeNote, `Policy tree ${tree.name}: ${file}. Edits are built with m4 as xsm build builds the tree. ${saving}`);
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
    fill(this.leftTabs, tab("policy", this.policyFile, "policy"), tab("scenario-json", this.scenarioFile, "scenario"));
    const rtab = (id: typeof this.right, label: string) => h("button", { class: `tab${this.right === id ? " active" : ""}`, "data-tab": id, onclick: () => this.showRight(id) }, label);
    fill(this.rightTabs, rtab("decisions", "Decisions & access grid"), this.scenarioFile ? rtab("scenario", "Scenario runner") : null);
    this.renderDirty();
  }

  /** The open policy has edits not saved (a tree: any of its files). */
  private policyDirty(): boolean {
    const tree = this.tree;
    if (tree) return tree.files.some((f) => this.ws.dirty(tree.key(f)));
    return this.policyFile !== undefined && this.ws.dirty(this.policyFile);
  }

  /** The unsaved marks of the file pickers and the Save control, for the file in the editor shown. */
  private renderDirty(): void {
    const mark = (o: HTMLOptionElement, dirty: boolean) => {
      const base = o.dataset.label ?? (o.dataset.label = o.textContent ?? "");
      o.textContent = dirty ? `● ${base}` : base;
      o.toggleAttribute("data-unsaved", dirty);
    };
    for (const o of this.fileSelect.options) {
      const tree = this.trees.get(o.value);
      mark(o, tree ? tree.files.some((f) => this.ws.dirty(tree.key(f))) : this.ws.dirty(o.value));
    }
    for (const o of this.treeSelect.options) mark(o, o.value !== M4_OUTPUT && this.ws.dirty(o.value));
    const key = this.activeFile();
    const target = key === undefined ? { refused: "m4's output is not a file: edit and save the tree's files" } : this.ws.saveTarget(key);
    const refused = "refused" in target ? target.refused : undefined;
    const dirty = key !== undefined && this.ws.dirty(key);
    // (off while there is nothing to save, as in editors; the first edit turns it on)
    const unchanged = refused === undefined && !dirty ? `${this.fileLabel(key!)} has no unsaved changes` : undefined;
    this.saveButton.disabled = refused !== undefined || !dirty;
    this.saveButton.title = refused ?? unchanged ?? `Save ${this.fileLabel(key!)} (Ctrl+S)`;
    this.saveButton.dataset.reason = refused ?? unchanged ?? "";
    this.saveButton.toggleAttribute("data-unsaved", dirty);
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

  // ---- saving ----------------------------------------------------------------------------------

  /** Writes a file (default: the one in the editor shown) back to disk, one request at a time (a
   *  second Ctrl+S while the first is under way would send the digest the first replaces, and
   *  read as a conflict; a reload or a check of the disk waits for a save, and a save for them). */
  private save(overwrite = false, key = this.activeFile()): Promise<void> {
    return this.serially(() => this.saveNow(key, overwrite));
  }
  private saving: Promise<void> = Promise.resolve();
  private serially(task: () => Promise<void>): Promise<void> {
    this.saving = this.saving.then(task, task);
    return this.saving;
  }

  /** What the page's requests about files carry: the token (a page elsewhere cannot read it). */
  private proof(): Record<string, string> {
    const save = this.ws.manifest.save;
    return { "Content-Type": "application/json", "X-Xsm-Studio": save && "token" in save ? save.token : "" };
  }

  /** The server checks the file is as the page loaded it, unless `overwrite`. */
  private async saveNow(key: string | undefined, overwrite: boolean): Promise<void> {
    if (key === undefined) return this.say("warn", "m4's output is not a file: edit and save the tree's files (pick one above the editor)");
    const label = this.fileLabel(key);
    const target = this.ws.saveTarget(key);
    if ("refused" in target) return this.say("warn", `${label} is not saved: ${target.refused}`);
    // (nothing to save: Save is off, and Ctrl+S does nothing, as in editors)
    if (!overwrite && !this.ws.dirty(key)) return;
    const text = this.ws.text(key) ?? "";
    const body: SaveRequest = { text, ...(this.ws.digest(key) ? { base: this.ws.digest(key)! } : {}), ...(overwrite ? { overwrite: true } : {}) };
    this.say("busy", `saving ${label}…`);
    let answer: SaveResponse;
    try {
      const res = await fetch(new URL(target.url, window.location.href), { method: "POST", headers: this.proof(), body: JSON.stringify(body) });
      answer = /^application\/json/.test(res.headers.get("Content-Type") ?? "") ? ((await res.json()) as SaveResponse) : { error: `HTTP ${res.status}: ${(await res.text()).trim()}` };
    } catch {
      return this.say("error", `cannot save ${label}: the server does not answer (is xsm studio still running?); your text is kept in the page`);
    }
    if ("digest" in answer && !("conflict" in answer)) {
      this.ws.saved(key, text, answer.digest);
      this.noticed.delete(key);
      this.closeCompare(key);
      this.say("ok", `saved ${label}`);
    } else if ("conflict" in answer) this.conflict(key, `${answer.conflict}. Your text is kept in the page, and the file is not written.`);
    else this.say("error", `cannot save ${label}: ${answer.error.replace(/^cannot write [^:]*: /, "")}; your text is kept in the page`);
    this.renderTabs();
  }

  /** The file on disk is not the one the page's edits started from: the user chooses. */
  private conflict(key: string, text: string): void {
    const label = this.fileLabel(key);
    this.say(
      "conflict",
      text,
      h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, key) }, `Overwrite ${label}`),
      h("button", { type: "button", testid: "reload-from-disk", onclick: () => this.confirmReload(key, text) }, "Reload from disk"),
      h("button", { type: "button", testid: "compare", onclick: () => void this.compare(key) }, "Compare"),
      h("button", { type: "button", testid: "dismiss", onclick: () => (this.saveMessage.hidden = true) }, "Keep editing"),
    );
  }

  /** Reload from disk discards the page's edits: asked once more, in the bar. */
  private confirmReload(key: string, conflict: string): void {
    const label = this.fileLabel(key);
    this.say(
      "conflict",
      `Discard your edits to ${label} and take the file as it is on disk? The page's text is not kept anywhere.`,
      h("button", { type: "button", testid: "confirm-reload", onclick: () => void this.serially(() => this.reloadNow(key)) }, "Discard my edits and reload"),
      h("button", { type: "button", testid: "cancel-reload", onclick: () => this.conflict(key, conflict) }, "Cancel"),
    );
  }

  private async reloadNow(key: string): Promise<void> {
    const label = this.fileLabel(key);
    this.say("busy", `reading ${label} from disk…`);
    const disk = await this.readDisk(key);
    if ("error" in disk) return this.say("error", `cannot reload ${label}: ${disk.error}; your text is kept in the page`);
    this.take(key, disk.text, disk.digest);
    this.closeCompare(key);
    this.say("ok", `reloaded ${label} from disk`);
  }

  /** The file's text and digest as on disk now (the server reads the file it opened, never a path
   *  the page names), or why not. */
  private async readDisk(key: string): Promise<DiskTextResponse> {
    const target = this.ws.saveTarget(key);
    if ("refused" in target) return { error: target.refused };
    try {
      const res = await fetch(new URL(diskUrl(target.url), window.location.href), { method: "POST", headers: this.proof(), body: "{}" });
      return /^application\/json/.test(res.headers.get("Content-Type") ?? "") ? ((await res.json()) as DiskTextResponse) : { error: `HTTP ${res.status}: ${(await res.text()).trim()}` };
    } catch {
      return { error: "the server does not answer (is xsm studio still running?)" };
    }
  }

  /** The disk's text in place of the page's, as if just loaded: the editor showing it follows
   *  (cursor kept), and it is compiled again; a tree's file is built again with m4, as after a
   *  save. */
  private take(key: string, text: string, digest: string): void {
    this.ws.taken(key, text, digest);
    this.sinceAnswer.delete(key);
    this.noticed.delete(key);
    if (this.editing === key) this.policyEditor.reload(text);
    if (key === this.scenarioFile) this.scenarioEditor.reload(text);
    const treeName = this.ws.treeOf(key);
    if (treeName !== undefined) {
      const tree = this.treeFor(treeName)!;
      if (tree.canRebuild) this.rebuild(tree);
    } else {
      if (key === this.policyFile) this.compile();
      // (the scenario, or a policy it names)
      if (this.scenarioFile) this.runScenario(false);
    }
    this.renderTabs();
  }

  /** Compare: the page's text of the file against the disk's, as a line diff, read only. */
  private async compare(key: string): Promise<void> {
    const label = this.fileLabel(key);
    const disk = await this.readDisk(key);
    const head = (text: string) => h("div", { class: "compare-head" }, h("span", { class: "msg" }, text), h("button", { type: "button", testid: "close-compare", onclick: () => this.closeCompare() }, "Close"));
    this.compareEl.hidden = false;
    this.compareEl.dataset.file = key;
    if ("error" in disk) return fill(this.compareEl, head(`cannot compare ${label}: ${disk.error}`));
    const parts = hunks(lineDiff(this.ws.text(key) ?? "", disk.text));
    const sign = { same: " ", page: "−", disk: "+" } as const;
    fill(
      this.compareEl,
      head(`${label}: your text in the page (−) against the file on disk (+), as they were when Compare was pressed; read only`),
      h(
        "div",
        { class: "compare-lines mono", testid: "compare-lines" },
        parts.length
          ? parts.flatMap((p) => [
              p.skipped ? h("div", { class: "skip" }, `⋯ ${p.skipped} unchanged line${p.skipped === 1 ? "" : "s"}`) : null,
              ...p.lines.map((l) => h("div", { class: `line ${l.op}`, "data-op": l.op }, h("span", { class: "ln" }, String(l.pageLine ?? "")), h("span", { class: "ln" }, String(l.diskLine ?? "")), h("span", { class: "sign" }, sign[l.op]), h("span", { class: "text" }, l.text))),
            ])
          : h("div", { class: "clean" }, `no differences: the page's text of ${label} is the file's on disk`),
      ),
    );
  }

  /** Hides the comparison (of `key` only, when given: a save or reload of another file keeps it). */
  private closeCompare(key?: string): void {
    if (key !== undefined && this.compareEl.dataset.file !== key) return;
    this.compareEl.hidden = true;
    fill(this.compareEl);
    delete this.compareEl.dataset.file;
  }

  /** The page is looked at again: another program may have changed its files on disk. */
  private checkDisk(): void {
    const save = this.ws.manifest.save;
    if (this.checking || !save || !("token" in save)) return;
    this.checking = true;
    void this.serially(async () => {
      try {
        await this.checkDiskNow();
      } finally {
        this.checking = false;
      }
    });
  }

  /** One request for the digests of every file the server may write; a changed file without
   *  edits is taken silently (a brief notice), one with edits gets the conflict bar now, before
   *  a save would. */
  private async checkDiskNow(): Promise<void> {
    const files = this.ws.writable();
    if (!files.length) return;
    let answer: DiskStateResponse;
    try {
      const res = await fetch(new URL(DISK_STATE, window.location.href), { method: "POST", headers: this.proof(), body: JSON.stringify({ files: files.map((f) => f.url) } satisfies DiskStateRequest) });
      if (!res.ok) return;
      answer = (await res.json()) as DiskStateResponse;
    } catch {
      return; // (the server is gone: a save says so, when one is tried)
    }
    const taken: string[] = [];
    const conflicts: { key: string; state: string; gone?: string }[] = [];
    for (const { name, url } of files) {
      const now = answer.files[url];
      if (!now || ("digest" in now && now.digest === this.ws.digest(name))) continue;
      const state = "digest" in now ? now.digest : now.error;
      if (this.noticed.get(name) === state) continue;
      if ("digest" in now && !this.ws.dirty(name)) {
        const disk = await this.readDisk(name);
        // (typed into while the text was on its way: a conflict after all)
        if ("text" in disk && !this.ws.dirty(name)) {
          this.take(name, disk.text, disk.digest);
          taken.push(this.fileLabel(name));
          continue;
        }
        if ("error" in disk) continue;
      }
      conflicts.push({ key: name, state, ...("error" in now ? { gone: now.error } : {}) });
    }
    const first = conflicts[0];
    if (first) {
      this.noticed.set(first.key, first.state);
      const label = this.fileLabel(first.key);
      const more = conflicts.length > 1 ? ` (and ${conflicts.slice(1).map((c) => this.fileLabel(c.key)).join(", ")})` : "";
      if (first.gone) {
        this.say("warn", `${first.gone}${more}: the page keeps its text of ${label}, and Save writes it again.`, h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, first.key) }, `Write ${label} again`), h("button", { type: "button", testid: "dismiss", onclick: () => (this.saveMessage.hidden = true) }, "Keep editing"));
      } else this.conflict(first.key, `${label} changed on disk${more}, and the page has unsaved edits to it. Nothing is written until you choose.`);
    } else if (taken.length) this.notice(`${taken.join(", ")} changed on disk: reloaded`);
  }

  private say(state: "ok" | "busy" | "warn" | "error" | "conflict", text: string, ...actions: HTMLElement[]): void {
    this.said++;
    this.saveMessage.hidden = false;
    this.saveMessage.dataset.state = state;
    this.saveMessage.setAttribute("role", state === "conflict" || state === "error" ? "alert" : "status");
    fill(this.saveMessage, h("span", { class: "msg" }, text), ...actions);
  }

  /** A brief notice, gone after a while unless something else is said meanwhile. */
  private notice(text: string): void {
    this.say("ok", text);
    const said = this.said;
    window.setTimeout(() => said === this.said && (this.saveMessage.hidden = true), 6000);
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
    // the index comes from the parse alone, so hover and the outline keep working while a later
    // stage reports errors; the explorer and the grid answer only for a policy that compiles
    const parsed = parsePolicy(text, name);
    const parsedIndex = hasErrors(parsed.diagnostics) ? undefined : indexPolicy(parsed.ast);
    const index = parsedIndex && tree ? indexInTree(parsedIndex, (span) => tree.locate(span)) : parsedIndex;
    if (index) this.lastIndex = index;
    if (ok && index) state.index = index;
    this.state = state;
    const ms = (this.lastMs = performance.now() - started);
    if (tree && this.editing === M4_OUTPUT) this.policyEditor.load(tree.conf, true);
    this.policyEditor.showDiagnostics(this.editorDiagnostics());
    this.renderDiagnostics(ms);
    this.renderOutline();
    this.explorer.refresh();
    renderAccessGrid(this.gridEl, state.policy, state.index, (c) => (this.showRight("decisions"), this.explorer.ask({ source: c.source, target: c.target, tclass: "resource", perm: c.perm })));
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
    const { diagnostics, policy, file } = this.state;
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const warnings = diagnostics.length - errors;
    const s = policy?.stats;
    fill(this.status, h("span", { class: `pill ${errors ? "bad" : "good"}` }, errors ? `${errors} error${errors > 1 ? "s" : ""}` : "compiles"), s ? ` ${s.types} types · ${s.attributes} attributes · ${s.allow} allow rules · ${ms.toFixed(0)} ms` : "");
    if (!diagnostics.length) return fill(this.diagnosticsEl, h("div", { class: "clean" }, `${file}: no diagnostics`));
    fill(
      this.diagnosticsEl,
      h(
        "ul",
        {},
        diagnostics.map((d) =>
          h(
            "li",
            // (a tree's: the line of the file it names, which a click opens)
            { class: `diag ${d.severity}`, "data-line": d.span ? String(this.tree ? d.span.line : this.physicalLine(d.span.offset)) : "", ...(this.tree && d.span ? { "data-file": d.span.file } : {}), "data-code": d.code, onclick: () => d.span && this.reveal(d.span) },
            h("span", { class: `sev ${d.severity}` }, d.severity),
            h("span", { class: "loc mono" }, d.span ? `${d.span.file}:${d.span.line}:${d.span.col}` : file),
            h("span", { class: "msg" }, d.message),
            h("span", { class: "code mono" }, d.code),
            (d.notes ?? []).map((n) => h("div", { class: "note" }, "note: ", n.span ? h("span", { class: "loc mono" }, `${n.span.file}:${n.span.line}`) : null, " ", n.message)),
          ),
        ),
      ),
    );
  }

  /** The editor's line of an offset (diagnostic lines are #line-mapped; the editor shows the text). */
  private physicalLine(offset: number): number {
    const doc = this.policyEditor.view.state.doc;
    return doc.lineAt(Math.min(offset, doc.length)).number;
  }

  private renderOutline(): void {
    const index = this.lastIndex;
    if (!index) return fill(this.outlineEl, h("p", { class: "muted" }, "(no outline until it parses)"));
    fill(
      this.outlineEl,
      index.outline.map((g) =>
        h(
          "details",
          { open: g.title === "Platforms" || g.title === "Classes" || g.items.length <= 12 },
          h("summary", {}, g.title, h("span", { class: "count" }, String(g.items.length))),
          h("ul", {}, g.items.map((i) => h("li", { style: `padding-left:${0.6 + i.depth * 0.8}rem`, onclick: () => this.reveal(i.span) }, i.name, i.note ? h("span", { class: "muted" }, ` ${i.note}`) : null))),
        ),
      ),
    );
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
      errors.push(...scenarioErrors(data, { exists: (rel) => this.ws.has(this.ws.resolve(dir, rel)), where: (rel) => this.ws.resolve(dir, rel) }));
    }
    if (!errors.length) {
      const loaded: LoadedScenario = {
        scenario: data as Scenario,
        file: name,
        dir,
        readPolicy: (d, rel) => {
          const name = this.ws.resolve(d, rel);
          const tree = this.treeFor(name);
          if (!tree) return this.ws.text(name) ?? "";
          // (m4's errors stop the tree's build: reported at the JSON path naming it, as xsm simulate does)
          if (hasErrors(tree.m4Diagnostics)) throw new PolicyError(tree.m4Diagnostics.filter((x) => x.severity === "error"));
          return tree.source();
        },
      };
      const p = prepare(loaded);
      if (p.ok) prepared = p.value;
      else errors.push(...p.error);
    }
    this.scenarioEditor.showErrors(errors);
    fill(
      this.scenarioErrorsEl,
      errors.length
        ? h("ul", {}, errors.map((e) => h("li", { class: "diag error" }, h("span", { class: "sev error" }, "error"), h("span", { class: "loc mono" }, `${name}: ${e.path || "/"}`), h("span", { class: "msg" }, e.message))))
        : h("div", { class: "clean" }, `${name}: valid (${(data as Scenario).steps.length} steps, ${(data as Scenario).domains.length} domains)`),
    );
    if (errors.length && !first) return; // keep the last good run on screen while it is edited
    this.runner.load(prepared, first ? (data as Scenario | undefined)?.strategy : undefined);
  }
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
