// The contract between the studio's server (or an exported site) and its page: `files.json` lists
// the files the studio was started on, each fetched from its own `url` beside the page.
import type { Diagnostic } from "../diagnostics/diagnostic.js";

export interface StudioFile {
  /** Path relative to the directory the studio was started in ("svp.conf", "../policies/x.conf"). */
  name: string;
  kind: "policy" | "scenario";
  /** Where the page fetches it, relative to the page ("files/0/svp.conf"). */
  url: string;
  /** The absolute paths scenarios name it by ("policy": "/srv/xen/policy.conf"): the page resolves
   *  a scenario's relative names itself, but cannot tell where an absolute one is from `name`. */
  absolute?: string[];
  /** A policy tree (Xen's tools/flask/policy layout): the file at `url` is m4's output, which the
   *  page compiles; these are the files it was built from, which the page shows and edits. */
  tree?: StudioTree;
  /** Where the page POSTs its text to write the file back (a served studio that may write only). */
  save?: string;
  /** Why this file is never written, in a studio that writes. */
  noSave?: string;
  /** A compiled binary policy (a scenario's, or a .conf of the DIR): the page fetches its bytes and
   *  runs it as xsm simulate does; there is no text to show or edit. */
  binary?: true;
}

/** A file of the DIR the page does not offer, and why (a .json that is no scenario). */
export interface StudioSkipped {
  name: string;
  reason: string;
}

export interface StudioTree {
  /** The tree directory's own name ("xen-flask"): the page names the tree by it where its `name`
   *  is "." (the directory the studio was started on, or a scenario's beside it). */
  dir: string;
  /** The tree's files, named as m4's #line names them ("modules/xen.te", "flask/access_vectors"):
   *  the sections m4 read, modules/modules.conf and the modules that are off. */
  files: StudioTreeFile[];
  /** The files m4 read, in its order (its macros are read from them, a later definition winning). */
  sections: string[];
  /** Where the page POSTs its texts of the files for m4 to run again (served only: absent in an
   *  export, where nothing can run m4). */
  rebuild?: string;
  /** What the rebuild request carries in its X-Xsm-Studio header (a page elsewhere cannot read it). */
  token?: string;
  /** The build at start failed: its errors, located in the tree's files (m4's, or why the tree
   *  cannot be read). The file at `url` is then empty; the page shows these and rebuilds on edit. */
  diagnostics?: Diagnostic[];
  /** Why the tree's files are read only in the page (the server has no m4 to rebuild them). */
  readOnly?: string;
}

/** A file of a tree: where the page fetches it, and where it saves it or why it cannot. */
export interface StudioTreeFile {
  name: string;
  url: string;
  /** Where the page POSTs its text to write the file back. */
  save?: string;
  /** Why this file is never written (Xen's flask files outside the tree), in a studio that writes. */
  noSave?: string;
}

/** What the page POSTs to a file's `save`. `base` is the digest of the text the page loaded or last
 *  saved (the ETag it was served with): a file changed on disk since is not written over unless
 *  `overwrite`, the user's explicit choice. */
export interface SaveRequest {
  text: string;
  base?: string;
  overwrite?: boolean;
}

/** The server's answer: the file's digest now (written), or why it was not written. `conflict`:
 *  the file changed on disk since `base` (its digest now in `digest`). */
export type SaveResponse = { digest: string } | { conflict: string; digest?: string } | { error: string };

/** Where the page asks, in one request, which of its files changed on disk (when it regains focus):
 *  a POST of DiskFilesRequest, answered with a DiskStateResponse. */
export const DISK_STATE = "disk-state";

/** Where the page reads back, in one request, the texts of its files as they are on disk now: a POST
 *  of DiskFilesRequest, answered with a DiskTextsResponse. A conflict's "Reload from disk" and
 *  "Compare" read one file so; the return to the page reads every changed file it takes at once
 *  (a policy tree's m4 then runs once for the set, when the tree is next served). */
export const DISK_TEXTS = "disk-texts";

/** The files the page asks about, by their save paths. */
export interface DiskFilesRequest {
  files: string[];
}

/** Each file's digest on disk now (digests only, no text), or why it cannot be read, by save path. */
export interface DiskStateResponse {
  files: Record<string, { digest: string } | { error: string }>;
}

/** A file's text and digest on disk now, or why it cannot be read (gone, not UTF-8, a link moved). */
export type DiskTextResponse = { text: string; digest: string } | { error: string };

/** Each file's text and digest on disk now, or why it cannot be read, by save path. */
export interface DiskTextsResponse {
  files: Record<string, DiskTextResponse>;
}

/** What the page POSTs to `rebuild`: its text of each tree file, by name (others are read from disk). */
export interface RebuildRequest {
  files: Record<string, string>;
}

/** The server's answer: m4's output and the files it read, or m4's located errors (no text). */
export interface RebuildResponse {
  text?: string;
  sections: string[];
  diagnostics: Diagnostic[];
}

export interface StudioManifest {
  /** What the studio was started on, for the title. */
  title: string;
  files: StudioFile[];
  /** What the page opens first. */
  open: { policy?: string; scenario?: string };
  /** What the page says above everything (m4 is missing, so a tree cannot be rebuilt). */
  notice?: string;
  /** The DIR's files that are not offered, each with why (an editor lists what it leaves out). */
  skipped?: StudioSkipped[];
  /** Writing edits back to disk: the token a save carries (X-Xsm-Studio), or why the page cannot
   *  (an exported site, --read-only). */
  save?: { token: string } | { refused: string };
}

/** The page's own files: what `npm run build` bundles into dist/studio-web. */
export const PAGE_FILES = ["index.html", "studio.js", "studio.css"] as const;
