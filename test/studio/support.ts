// What the studio's server tests share: a scratch directory with stub page files (the server
// serves them; their content does not matter here), a copy of an example served as xsm studio
// serves it, requests to a served studio, bare or as its own page sends them, and a manifest's
// file by name.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { treeReader } from "../../src/cli/scenario-input.js";
import { PAGE_FILES } from "../../src/studio/manifest.js";
import { serveSite, type StudioServer } from "../../src/studio/server.js";
import { buildSite, type Site } from "../../src/studio/site.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");

/** A scratch directory, removed after the file's tests, holding `page/` with a stub of each page file. */
export function scratchWithPage(prefix: string): { tmp: string; pageDir: string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const pageDir = join(tmp, "page");
  mkdirSync(pageDir);
  for (const f of PAGE_FILES) writeFileSync(join(pageDir, f), `/* ${f} */`);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  return { tmp, pageDir };
}

/** A studio on a copy of examples/`example` (in `tmp`, as `name`), which it may rebuild (a tree, with
 *  m4) and write, served for the enclosing describe's tests: `site` and `server` are set before
 *  the first of them, and the server is closed after the last. */
export function servedCopy(tmp: string, pageDir: string, example: "svp" | "xen-flask", name: string = example): { dir: string; site: Site; server: StudioServer } {
  const dir = join(tmp, name);
  cpSync(join(EXAMPLES, example), dir, { recursive: true });
  const studio = { dir } as { dir: string; site: Site; server: StudioServer };
  beforeAll(async () => {
    studio.site = buildSite(dir, pageDir, example === "xen-flask" ? await treeReader() : undefined, { rebuild: true, save: true });
    studio.server = await serveSite(studio.site);
  });
  afterAll(() => studio.server?.close());
  return studio;
}

export interface Answer {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

/** A request to the studio at `path`, with the loopback Host it checks (or `host`). */
export function http(server: StudioServer, path: string, opts: { method?: string; body?: string; headers?: Record<string, string>; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = { host: opts.host ?? `127.0.0.1:${server.port}`, ...opts.headers };
    const req = request({ host: "127.0.0.1", port: server.port, path, method: opts.method ?? "GET", headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** The page's own request to `url` (relative, as the manifest names it): its token, JSON, from its origin. */
export function pagePost(server: StudioServer, site: Site, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return http(server, `/${url}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-xsm-studio": site.token, origin: `http://127.0.0.1:${server.port}`, ...headers },
  });
}

export const fileOf = (site: Site, name: string) => site.manifest.files.find((f) => f.name === name)!;
