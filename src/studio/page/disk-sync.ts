// The page's files kept in step with the disk: Save (the button, Ctrl/Cmd+S) writes a file back
// through the server, refused when it changed on disk since the page loaded it; the conflict bar
// offers Overwrite, Reload from disk (confirmed) and Compare; on return to the page the server is
// asked which files changed, a file without edits is taken from disk and one with edits gets the
// conflict bar before a save would. The unsaved marks and the Save control follow the edits. What
// the page does with a text taken from disk (editors, builds) is its own (DiskHost.taken).
import { DISK_STATE, DISK_TEXTS, type DiskFilesRequest, type DiskStateResponse, type DiskTextResponse, type DiskTextsResponse, type SaveRequest, type SaveResponse } from "../manifest.js";
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

/** A file on disk that is not the one the page's edits started from. */
interface Conflict {
  /** What the bar says of it. */
  text: string;
  /** Removed or unreadable on disk: the page's text can only be written again. */
  gone?: boolean;
  /** Reload from disk was pressed: the bar asks once more. */
  confirming?: boolean;
}

export class DiskSync {
  readonly saveButton = h("button", { class: "save", testid: "save", type: "button" }, "Save");
  /** What the last save said (saved, refused, a conflict with its choice). */
  readonly message = h("div", { class: "save-message", testid: "save-message", role: "status", hidden: true });
  /** A conflict's Compare: the page's text against the disk's, read only. */
  readonly compareEl = h("section", { class: "disk-compare", testid: "compare-view", hidden: true });
  /** How many messages have been said: a brief one hides only if nothing was said since. */
  private said = 0;
  /** The disk state (digest or error) each file's conflict was last shown for after a focus check:
   *  shown once, not again on every return to the page. */
  private readonly noticed = new Map<string, string>();
  /** A check of the disk is asked for and has not started: a return to the page meanwhile is the
   *  same check (one that started may have read the digests before the disk changed: a return
   *  then asks for one more, not none). */
  private checkWaiting = false;
  /** Checks of the disk asked for and not finished; the message has `data-checking` while there
   *  are any (a test knows the page has answered a return once it is gone). */
  private checksPending = 0;
  private saving: Promise<void> = Promise.resolve();
  /** The files waiting for the user's choice, all shown in the bar at once, each with its own
   *  actions (as an editor lists each file it could not save): gone when saved, reloaded or put
   *  aside with Keep editing. */
  private readonly conflicts = new Map<string, Conflict>();

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
    if (key === undefined) return this.sayAbout("warn", "m4's output is not a file: edit and save the tree's files (pick one above the editor)");
    const label = this.host.label(key);
    const target = this.ws.saveTarget(key);
    if ("refused" in target) return this.sayAbout("warn", `${label} is not saved: ${target.refused}`, key);
    // (nothing to save: Save is off, and Ctrl+S does nothing, as in editors)
    if (!overwrite && !this.ws.dirty(key)) return;
    const text = this.ws.text(key) ?? "";
    const body: SaveRequest = { text, ...(this.ws.digest(key) ? { base: this.ws.digest(key)! } : {}), ...(overwrite ? { overwrite: true } : {}) };
    this.sayAbout("busy", `saving ${label}…`, key);
    let answer: SaveResponse;
    try {
      const res = await fetch(new URL(target.url, window.location.href), { method: "POST", headers: this.proof(), body: JSON.stringify(body) });
      answer = /^application\/json/.test(res.headers.get("Content-Type") ?? "") ? ((await res.json()) as SaveResponse) : { error: `HTTP ${res.status}: ${(await res.text()).trim()}` };
    } catch {
      return this.sayAbout("error", `cannot save ${label}: the server does not answer (is xsm studio still running?); your text is kept in the page`, key);
    }
    if ("digest" in answer && !("conflict" in answer)) {
      this.ws.saved(key, text, answer.digest);
      this.noticed.delete(key);
      this.closeCompare(key);
      this.conflicts.delete(key);
      this.sayAbout("ok", `saved ${label}`, key);
    } else if ("conflict" in answer) {
      this.conflicts.set(key, { text: `${answer.conflict}. Your text is kept in the page, and the file is not written.` });
      this.renderConflicts();
    } else this.sayAbout("error", `cannot save ${label}: ${answer.error.replace(/^cannot write [^:]*: /, "")}; your text is kept in the page`, key);
    this.host.changed();
  }

  // ---- conflicts -------------------------------------------------------------------------------

  /** The conflicts in the bar: one alone as a sentence and its actions; several as a list, each
   *  file with its own actions, under `lead` (what the last action did) when given. */
  private renderConflicts(lead?: string): void {
    const all = [...this.conflicts];
    const keep = h("button", { type: "button", testid: "dismiss", onclick: () => (this.conflicts.clear(), (this.message.hidden = true)) }, "Keep editing");
    if (all.length === 1 && lead === undefined) {
      const [key, c] = all[0]!;
      if (c.confirming) return this.say("conflict", this.reloadQuestion(key), ...this.actions(key, c));
      return this.say(c.gone ? "warn" : "conflict", c.text, ...this.actions(key, c), keep);
    }
    const head = all.length === 1 ? "One file is still to choose for:" : `${all.length} files changed on disk, and the page has unsaved edits to them. Nothing is written until you choose, for each:`;
    this.say(
      "conflict",
      head,
      h(
        "ul",
        { class: "conflicts", testid: "conflicts" },
        all.map(([key, c]) => h("li", { "data-file": key, testid: "conflict" }, h("span", { class: "msg" }, c.confirming ? this.reloadQuestion(key) : c.text), ...this.actions(key, c))),
      ),
      keep,
    );
    if (lead !== undefined) this.message.prepend(h("span", { class: "lead", testid: "save-lead" }, lead));
  }

  /** A conflict's choices: write the page's text over the disk's, take the disk's (asked once
   *  more: the page's edits are lost), or compare them first. */
  private actions(key: string, c: Conflict): HTMLElement[] {
    const label = this.host.label(key);
    const ask = (confirming: boolean) => () => ((c.confirming = confirming), this.renderConflicts());
    if (c.confirming) {
      return [
        h("button", { type: "button", testid: "confirm-reload", onclick: () => void this.serially(() => this.reloadNow(key)) }, "Discard my edits and reload"),
        h("button", { type: "button", testid: "cancel-reload", onclick: ask(false) }, "Cancel"),
      ];
    }
    if (c.gone) return [h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, key) }, `Write ${label} again`)];
    return [
      h("button", { type: "button", testid: "overwrite", onclick: () => void this.save(true, key) }, `Overwrite ${label}`),
      h("button", { type: "button", testid: "reload-from-disk", onclick: ask(true) }, "Reload from disk"),
      h("button", { type: "button", testid: "compare", onclick: () => void this.compare(key) }, "Compare"),
    ];
  }

  private reloadQuestion(key: string): string {
    return `Discard your edits to ${this.host.label(key)} and take the file as it is on disk? The page's text is not kept anywhere.`;
  }

  private async reloadNow(key: string): Promise<void> {
    const label = this.host.label(key);
    this.sayAbout("busy", `reading ${label} from disk…`, key);
    const disk = (await this.readDisk([key])).get(key)!;
    if ("error" in disk) {
      const c = this.conflicts.get(key);
      if (c) c.confirming = false;
      return this.sayAbout("error", `cannot reload ${label}: ${disk.error}; your text is kept in the page`, key);
    }
    this.take([{ key, ...disk }]);
    this.closeCompare(key);
    this.sayAbout("ok", `reloaded ${label} from disk`, key);
  }

  /** The files' texts and digests as on disk now, each or why not, in one request (the server reads
   *  the files it opened, by their save paths, never a path the page names). */
  private async readDisk(keys: string[]): Promise<Map<string, DiskTextResponse>> {
    const out = new Map<string, DiskTextResponse>();
    const asked = new Map<string, string>();
    for (const key of keys) {
      const target = this.ws.saveTarget(key);
      if ("refused" in target) out.set(key, { error: target.refused });
      else asked.set(target.url, key);
    }
    if (!asked.size) return out;
    let files: DiskTextsResponse["files"] = {};
    let failed: string | undefined;
    try {
      const res = await fetch(new URL(DISK_TEXTS, window.location.href), { method: "POST", headers: this.proof(), body: JSON.stringify({ files: [...asked.keys()] } satisfies DiskFilesRequest) });
      if (res.ok) files = ((await res.json()) as DiskTextsResponse).files;
      else failed = `HTTP ${res.status}: ${(await res.text()).trim()}`;
    } catch {
      failed = "the server does not answer (is xsm studio still running?)";
    }
    for (const [url, key] of asked) out.set(key, failed !== undefined ? { error: failed } : (files[url] ?? { error: "the server did not say" }));
    return out;
  }

  /** The disk's texts in place of the page's, as if just loaded; the page follows (DiskHost.taken). */
  private take(files: { key: string; text: string; digest: string }[]): void {
    for (const { key, text, digest } of files) {
      this.ws.taken(key, text, digest);
      this.noticed.delete(key);
      this.conflicts.delete(key);
    }
    this.host.taken(files.map((f) => f.key));
  }

  /** Compare: the page's text of the file against the disk's, as a line diff, read only. */
  private async compare(key: string): Promise<void> {
    const label = this.host.label(key);
    const disk = (await this.readDisk([key])).get(key)!;
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
    if (this.checkWaiting || !save || !("token" in save)) return;
    this.checkWaiting = true;
    this.checksPending++;
    this.message.toggleAttribute("data-checking", true);
    void this.serially(async () => {
      this.checkWaiting = false;
      try {
        await this.checkDiskNow();
      } finally {
        if (--this.checksPending === 0) this.message.toggleAttribute("data-checking", false);
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
      const res = await fetch(new URL(DISK_STATE, window.location.href), { method: "POST", headers: this.proof(), body: JSON.stringify({ files: files.map((f) => f.url) } satisfies DiskFilesRequest) });
      if (!res.ok) return;
      answer = (await res.json()) as DiskStateResponse;
    } catch {
      return; // (the server is gone: a save says so, when one is tried)
    }
    const conflicts: { key: string; state: string; gone?: string }[] = [];
    const changed: { key: string; state: string }[] = [];
    for (const { name, url } of files) {
      const now = answer.files[url];
      if (!now || ("digest" in now && now.digest === this.ws.digest(name))) continue;
      const state = "digest" in now ? now.digest : now.error;
      if (this.noticed.get(name) === state) continue;
      if ("digest" in now && !this.ws.dirty(name)) changed.push({ key: name, state });
      else conflicts.push({ key: name, state, ...("error" in now ? { gone: now.error } : {}) });
    }
    // the files without edits read back in one request and taken at once: a tree is built once
    // for all of its files, not once for each
    const read = changed.length ? await this.readDisk(changed.map((c) => c.key)) : new Map<string, DiskTextResponse>();
    const fresh: { key: string; text: string; digest: string }[] = [];
    for (const { key, state } of changed) {
      const disk = read.get(key)!;
      if ("error" in disk) continue;
      // (typed into while the text was on its way: a conflict after all)
      if (this.ws.dirty(key)) conflicts.push({ key, state });
      else fresh.push({ key, ...disk });
    }
    if (fresh.length) this.take(fresh);
    const taken = fresh.map((f) => this.host.label(f.key));
    // every file at once, each with its own choice (added to those a save already found)
    for (const c of conflicts) {
      this.noticed.set(c.key, c.state);
      const label = this.host.label(c.key);
      const text = c.gone
        ? `${c.gone}: the page keeps its text of ${label}, and Save writes it again.`
        : `${label} changed on disk, and the page has unsaved edits to it.${conflicts.length === 1 ? " Nothing is written until you choose." : ""}`;
      this.conflicts.set(c.key, { text, ...(c.gone ? { gone: true } : {}) });
    }
    const reloaded = taken.length ? `${taken.join(", ")} changed on disk: reloaded` : undefined;
    if (conflicts.length) this.renderConflicts(reloaded);
    else if (reloaded) this.notice(reloaded);
  }

  // ---- the message bar -------------------------------------------------------------------------

  /** What an action on `about` did: said alone, or above the other files' conflicts still waiting. */
  private sayAbout(state: "ok" | "busy" | "warn" | "error", text: string, about?: string): void {
    if ([...this.conflicts.keys()].some((k) => k !== about)) this.renderConflicts(text);
    else this.say(state, text);
  }

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
