// The files the page works on: fetched once from files.json, then edited in memory, and written
// back when the user saves one the server may write. Paths are posix-relative names as the
// manifest gives them; a scenario's `policy` resolves against it.
import type { StudioFile, StudioManifest } from "../manifest.js";

/** Where a file is saved (its POST path, relative to the page), or why it cannot be. */
export type SaveTarget = { url: string } | { refused: string };

export class Workspace {
  private readonly texts = new Map<string, string>();
  /** Each file's text as on disk when last loaded or saved, and its digest (the ETag it came with). */
  private readonly disk = new Map<string, { text: string; digest?: string }>();
  constructor(
    readonly manifest: StudioManifest,
    texts: Map<string, string>,
    digests: Map<string, string> = new Map(),
  ) {
    for (const [k, v] of texts) this.texts.set(k, v), this.disk.set(k, { text: v, ...(digests.has(k) ? { digest: digests.get(k)! } : {}) });
  }

  static async load(base: URL): Promise<Workspace> {
    const res = await fetch(new URL("files.json", base));
    if (!res.ok) throw new Error(`files.json: HTTP ${res.status}`);
    const manifest = (await res.json()) as StudioManifest;
    const texts = new Map<string, string>();
    const digests = new Map<string, string>();
    // a policy tree's files are named inside the tree ("." + "modules/xen.te": "modules/xen.te")
    const wanted = manifest.files.flatMap((f) => [{ name: f.name, url: f.url }, ...(f.tree?.files ?? []).map((t) => ({ name: joinPath(f.name, t.name), url: t.url }))]);
    await Promise.all(
      wanted.map(async (f) => {
        const r = await fetch(new URL(f.url, base));
        if (!r.ok) throw new Error(`${f.name}: HTTP ${r.status}`);
        texts.set(f.name, await r.text());
        // (the server's digest of the bytes: a save sends it back to detect a change on disk)
        const etag = r.headers.get("ETag");
        if (etag) digests.set(f.name, etag.replace(/^W\//, "").replace(/"/g, ""));
      }),
    );
    return new Workspace(manifest, texts, digests);
  }

  get files(): StudioFile[] {
    return this.manifest.files;
  }
  text(name: string): string | undefined {
    return this.texts.get(name);
  }
  setText(name: string, text: string): void {
    this.texts.set(name, text);
  }
  has(name: string): boolean {
    return this.texts.has(name);
  }
  /** The text differs from the file's as last loaded or saved. */
  dirty(name: string): boolean {
    const d = this.disk.get(name);
    return d !== undefined && this.texts.get(name) !== d.text;
  }
  /** The file has edits not saved; a policy tree (by its name): any of its files. */
  edited(name: string): boolean {
    const tree = this.manifest.files.find((f) => f.name === name)?.tree;
    return tree ? tree.files.some((t) => this.dirty(joinPath(name, t.name))) : this.dirty(name);
  }
  /** Files with edits not saved. */
  unsaved(): string[] {
    return [...this.texts.keys()].filter((n) => this.dirty(n));
  }
  /** The digest of the file as the page last had it from disk. */
  digest(name: string): string | undefined {
    return this.disk.get(name)?.digest;
  }
  /** `text` is now the file's on disk, with that digest (a save's answer). */
  saved(name: string, text: string, digest: string): void {
    this.disk.set(name, { text, digest });
  }
  /** The file's text as on disk now, with that digest, in place of the page's (a reload from disk). */
  taken(name: string, text: string, digest: string): void {
    this.texts.set(name, text);
    this.disk.set(name, { text, digest });
  }
  /** The files the server may write, with their save paths: the ones it can say changed on disk. */
  writable(): { name: string; url: string }[] {
    return [...this.texts.keys()].flatMap((name) => {
      const target = this.saveTarget(name);
      return "url" in target ? [{ name, url: target.url }] : [];
    });
  }
  /** The policy tree a file belongs to (its name in the workspace), if it is a tree's file. */
  treeOf(name: string): string | undefined {
    return this.manifest.files.find((f) => f.tree?.files.some((t) => joinPath(f.name, t.name) === name))?.name;
  }
  /** Where a file is saved, or why it cannot be (an export, --read-only, m4's output, Xen's files). */
  saveTarget(name: string): SaveTarget {
    const global = this.manifest.save;
    if (!global || "refused" in global) return { refused: global?.refused ?? "this studio does not write files" };
    for (const f of this.manifest.files) {
      if (f.name === name && !f.tree) return f.save ? { url: f.save } : { refused: f.noSave ?? `${name} is not written by xsm studio` };
      for (const t of f.tree?.files ?? []) {
        if (joinPath(f.name, t.name) !== name) continue;
        if (f.tree!.readOnly) return { refused: f.tree!.readOnly };
        return t.save ? { url: t.save } : { refused: t.noSave ?? `${t.name} is not written by xsm studio` };
      }
    }
    return { refused: `${name} is not a file xsm studio opened` };
  }
  /** The file a scenario in `dir` means by `ref`: joined onto `dir` as the server named it, or an
   *  absolute path through the names the manifest lists for it. */
  resolve(dir: string, ref: string): string {
    if (ref.startsWith("/")) return this.manifest.files.find((f) => f.absolute?.includes(ref))?.name ?? ref;
    return joinPath(dir, ref);
  }
}

/** posix dirname of a manifest name ("" for a top-level file). */
export function dirOf(name: string): string {
  const i = name.lastIndexOf("/");
  return i < 0 ? "" : name.slice(0, i);
}

/** Joins a relative path onto a directory and folds `.` and `..`, as the server named the files
 *  (the directory itself is ".", the name the server gives a policy tree a scenario names so). */
export function joinPath(dir: string, rel: string): string {
  const out: string[] = [];
  for (const part of `${dir}/${rel}`.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(part);
  }
  return out.join("/") || ".";
}
