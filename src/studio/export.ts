// `xsm studio --export DIR`: the site the server would serve, as plain files. Every path is
// relative (the page fetches files.json and files/... beside itself), so it works from any static
// host or sub-directory.
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SiteEntry } from "./site.js";

export function exportSite(entries: SiteEntry[], dir: string): string[] {
  const written: string[] = [];
  for (const e of entries) {
    if (e.path === "/") continue; // index.html is its own entry
    const to = join(dir, ...e.path.slice(1).split("/").map(decodeURIComponent));
    mkdirSync(dirname(to), { recursive: true });
    if (e.content !== undefined) writeFileSync(to, e.content);
    else copyFileSync(e.file!, to);
    written.push(to);
  }
  return written;
}
