// The page's files kept in step with the disk: Save (the button, Ctrl/Cmd+S) writes a file back
// through the server, refused when it changed on disk since the page loaded it; the conflict bar
// offers Overwrite, Reload from disk (confirmed) and Compare; on return to the page the server is
// asked which files changed, a file without edits is taken from disk and one with edits gets the
// conflict bar before a save would. The unsaved marks and the Save control follow the edits. What
// the page does with a text taken from disk (editors, builds) is its own (DiskHost.taken).
import { DISK_STATE, diskUrl, type DiskStateRequest, type DiskStateResponse, type DiskTextResponse, type SaveRequest, type SaveResponse } from "../manifest.js";
import { fill, h } from "./dom.js";
import { hunks, lineDiff } from "./line-diff.js";
import type { Workspace } from "./workspace.js";

/** What the page tells the disk side, and what it does when the disk's text replaces its own. */
export interface DiskHost {
  /** The file the editor shown holds (undefined: m4's output, or nothing open). */
  activeFile(): string | undefined;
  /** A file as the user knows it: a tree's by its name in the tree. */
  label(key: string): string;
  /** The disk's texts are the page's now (the workspace has them): the editors showing them
   *  follow, and what is built from them is built again. */
  taken(keys: string[]): void;
  /** A file was saved or taken: the page's unsaved marks are drawn again. */
  changed(): void;
}

export class DiskSync {
  readonly saveButton = h("button", { class: "save", testid: "save", type: "button" }, "Save");
  /** What the last save said (saved, refused, a conflict with its choice). */
  readonly message = h("div", { class: "save-message", testid: "save-message", role: "status", hidden: true });
  /** A conflict's Compare: the page's text against the disk's, read only. */
  readonly compareEl = h("section", { class: "compare", testid: "compare-view", hidden: true });
  /** How many messages have been said: a brief one hides only if nothing was said since. */
  private said = 0;
  /** The disk state (digest or error) each file's conflict was last shown for after a focus check:
   *  shown once, not again on every return to the page. */
  private readonly noticed = new Map<string, string>();
  private checking = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly ws: Workspace,
    private readonly host: DiskHost,
  ) {
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

  /** The unsaved marks of the file pickers' options (a tree's: any of its files) and the Save
   *  control, for the file in the editor shown. */
  renderMarks(pickers: HTMLSelectElement[]): void {
    for (const select of pickers) {
      for (const o of select.options) {
        const dirty = this.ws.edited(o.value);
        const base = o.dataset.label ?? (o.dataset.label = o.textContent ?? "");
        o.textContent = dirty ? `● ${base}` : base;
        o.toggleAttribute("data-unsaved", dirty);
      }
    }
    const key = this.host.activeFile();
    const target = key === undefined ? { refused: "m4's output is not a file: edit and save the tree's files" } : this.ws.saveTarget(key);
    const refused = "refused" in target ? target.refused : undefined;
    const dirty = key !== undefined && this.ws.dirty(key);
    // (off while there is nothing to save, as in editors; the first edit turns it on)
    const unchanged = refused === undefined && !dirty ? `${this.host.label(key!)} has no unsaved changes` : undefined;
    this.saveButton.disabled = refused !== undefined || !dirty;
    this.saveButton.title = refused ?? unchanged ?? `Save ${this.host.label(key!)} (Ctrl+S)`;
    this.saveButton.dataset.reason = refused ?? unchanged ?? "";
    this.saveButton.toggleAttribute("data-unsaved", dirty);
  }

  // ---- saving ----------------------------------------------------------------------------------

  /** Writes a file (default: the one in the editor shown) back to disk, one request at a time (a
   *  second Ctrl+S while the first is under way would send the digest the first replaces, and
   *  read as a conflict; a reload or a check of the disk waits for a save, and a save for them). */
  save(overwrite = false, key = this.host.activeFile()): Promise<void> {
    return this.serially(() => this.saveNow(key, overwrite));
  }
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
    const label = this.host.label(key);
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
    this.host.changed();
  }

  // ---- conflicts -------------------------------------------------------------------------------

  /** The file on disk is not the one the page's edits started from: the user chooses. */
  private conflict(key: string, text: string): void {
    const label = this.host.label(key);
    this.say(
      "conflict",
      text,
      h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, key) }, `Overwrite ${label}`),
      h("button", { type: "button", testid: "reload-from-disk", onclick: () => this.confirmReload(key, text) }, "Reload from disk"),
      h("button", { type: "button", testid: "compare", onclick: () => void this.compare(key) }, "Compare"),
      h("button", { type: "button", testid: "dismiss", onclick: () => (this.message.hidden = true) }, "Keep editing"),
    );
  }

  /** Reload from disk discards the page's edits: asked once more, in the bar. */
  private confirmReload(key: string, conflict: string): void {
    const label = this.host.label(key);
    this.say(
      "conflict",
      `Discard your edits to ${label} and take the file as it is on disk? The page's text is not kept anywhere.`,
      h("button", { type: "button", testid: "confirm-reload", onclick: () => void this.serially(() => this.reloadNow(key)) }, "Discard my edits and reload"),
      h("button", { type: "button", testid: "cancel-reload", onclick: () => this.conflict(key, conflict) }, "Cancel"),
    );
  }

  private async reloadNow(key: string): Promise<void> {
    const label = this.host.label(key);
    this.say("busy", `reading ${label} from disk…`);
    const disk = await this.readDisk(key);
    if ("error" in disk) return this.say("error", `cannot reload ${label}: ${disk.error}; your text is kept in the page`);
    this.take([{ key, ...disk }]);
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

  /** The disk's texts in place of the page's, as if just loaded; the page follows (DiskHost.taken). */
  private take(files: { key: string; text: string; digest: string }[]): void {
    for (const { key, text, digest } of files) {
      this.ws.taken(key, text, digest);
      this.noticed.delete(key);
    }
    this.host.taken(files.map((f) => f.key));
  }

  /** Compare: the page's text of the file against the disk's, as a line diff, read only. */
  private async compare(key: string): Promise<void> {
    const label = this.host.label(key);
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

  // ---- the check on return to the page ---------------------------------------------------------

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
          this.take([{ key: name, ...disk }]);
          taken.push(this.host.label(name));
          continue;
        }
        if ("error" in disk) continue;
      }
      conflicts.push({ key: name, state, ...("error" in now ? { gone: now.error } : {}) });
    }
    const first = conflicts[0];
    if (first) {
      this.noticed.set(first.key, first.state);
      const label = this.host.label(first.key);
      const more = conflicts.length > 1 ? ` (and ${conflicts.slice(1).map((c) => this.host.label(c.key)).join(", ")})` : "";
      if (first.gone) {
        this.say("warn", `${first.gone}${more}: the page keeps its text of ${label}, and Save writes it again.`, h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, first.key) }, `Write ${label} again`), h("button", { type: "button", testid: "dismiss", onclick: () => (this.message.hidden = true) }, "Keep editing"));
      } else this.conflict(first.key, `${label} changed on disk${more}, and the page has unsaved edits to it. Nothing is written until you choose.`);
    } else if (taken.length) this.notice(`${taken.join(", ")} changed on disk: reloaded`);
  }

  // ---- the message bar -------------------------------------------------------------------------

  private say(state: "ok" | "busy" | "warn" | "error" | "conflict", text: string, ...actions: HTMLElement[]): void {
    this.said++;
    this.message.hidden = false;
    this.message.dataset.state = state;
    this.message.setAttribute("role", state === "conflict" || state === "error" ? "alert" : "status");
    fill(this.message, h("span", { class: "msg" }, text), ...actions);
  }

  /** A brief notice, gone after a while unless something else is said meanwhile. */
  private notice(text: string): void {
    this.say("ok", text);
    const said = this.said;
    window.setTimeout(() => said === this.said && (this.message.hidden = true), 6000);
  }
}
