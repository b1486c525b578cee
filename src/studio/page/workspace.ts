// The files the page works on: fetched once from files.json, then edited in memory. Paths are
// posix-relative names as the manifest gives them; a scenario's `policy` resolves against it.
import type { StudioFile, StudioManifest } from "../manifest.js";

export class Workspace {
  private readonly texts = new Map<string, string>();
  constructor(
    readonly manifest: StudioManifest,
    texts: Map<string, string>,
  ) {
    for (const [k, v] of texts) this.texts.set(k, v);
  }

  static async load(base: URL): Promise<Workspace> {
    const res = await fetch(new URL("files.json", base));
    if (!res.ok) throw new Error(`files.json: HTTP ${res.status}`);
    const manifest = (await res.json()) as StudioManifest;
    const texts = new Map<string, string>();
    // a policy tree's files are named inside the tree ("." + "modules/xen.te": "modules/xen.te")
    const wanted = manifest.files.flatMap((f) => [{ name: f.name, url: f.url }, ...(f.tree?.files ?? []).map((t) => ({ name: joinPath(f.name, t.name), url: t.url }))]);
    await Promise.all(
      wanted.map(async (f) => {
        const r = await fetch(new URL(f.url, base));
        if (!r.ok) throw new Error(`${f.name}: HTTP ${r.status}`);
        texts.set(f.name, await r.text());
      }),
    );
    return new Workspace(manifest, texts);
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
