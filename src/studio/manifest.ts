// The contract between the studio's server (or an exported site) and its page: `files.json` lists
// the files the studio was started on, each fetched from its own `url` beside the page.
export interface StudioFile {
  /** Path relative to the directory the studio was started in ("svp.conf", "../policies/x.conf"). */
  name: string;
  kind: "policy" | "scenario";
  /** Where the page fetches it, relative to the page ("files/0/svp.conf"). */
  url: string;
  /** The absolute paths scenarios name it by ("policy": "/srv/xen/policy.conf"): the page resolves
   *  a scenario's relative names itself, but cannot tell where an absolute one is from `name`. */
  absolute?: string[];
}

export interface StudioManifest {
  /** What the studio was started on, for the title. */
  title: string;
  files: StudioFile[];
  /** What the page opens first. */
  open: { policy?: string; scenario?: string };
}

/** The page's own files: what `npm run build` bundles into dist/studio-web. */
export const PAGE_FILES = ["index.html", "studio.js", "studio.css"] as const;
