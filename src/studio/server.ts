// The studio's server: loopback only, GET and HEAD only, the site's fixed paths only. A Host header
// that is not this loopback address is refused (a web page elsewhere cannot reach it through DNS
// rebinding). It reads a served file on each request, so an edit on disk shows on reload.
//
// One exception: a policy tree's rebuild path takes a POST of the page's texts of the tree's files
// and runs m4 over a scratch copy (src/studio/rebuild.ts). m4 runs what a file says (esyscmd), so
// the request must prove it is the page's own: the token files.json holds (which a page elsewhere
// cannot read) in a header a cross-origin page cannot send without a preflight this server never
// grants, JSON only, from this origin only, bounded.
//
// The same proof lets the page write a file back (src/studio/save.ts): a POST to a save path the
// site made at start for one file the studio opened; the request carries the text, never a path.
// Files are served with their digest as ETag, which a save sends back to detect a change on disk.
// With the same proof, and the same slots, the page asks which of its files changed on disk (one
// POST to disk-state naming slots, answered with digests only) and reads their texts as they are on
// disk now (one POST to disk-texts naming slots: a conflict's reload or compare, the files it takes
// on return to the page).
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PolicyError } from "../diagnostics/diagnostic.js";
import { MAX_POLICY_BYTES } from "../io/read.js";
import { duplicateKeyMessage, findDuplicateKeys } from "../io/json-syntax.js";
import { DISK_STATE, DISK_TEXTS, type DiskFilesRequest, type RebuildRequest, type SaveRequest } from "./manifest.js";
import { rebuildTree, type ServedTree } from "./rebuild.js";
import { diskDigests, diskTexts, digestOf, saveFile, type SaveSlot } from "./save.js";
import type { Site, SiteEntry } from "./site.js";

export const LOOPBACK = "127.0.0.1";

// The page runs Graphviz as WebAssembly and CodeMirror injects its styles; nothing loads from
// elsewhere and nothing is eval'd (the scenario validator is compiled at build time).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export interface StudioServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** The trees the page may have rebuilt and the files it may write, by URL path, and the token
 *  both requests must carry. */
export interface Rebuilds {
  trees: Map<string, ServedTree>;
  saves?: Map<string, SaveSlot>;
  token: string;
}

/** Serves a built site with the rebuilds, saves and token it was made with (xsm studio's server). */
export function serveSite(site: Site, port = 0): Promise<StudioServer> {
  return startServer(site.entries, port, { trees: site.rebuilds, saves: site.saves, token: site.token });
}

export function startServer(entries: SiteEntry[], port = 0, rebuilds?: Rebuilds): Promise<StudioServer> {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const server = createServer((req, res) => void handle(req, res, byPath, server, rebuilds));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOOPBACK, () => {
      server.off("error", reject);
      const { port: bound } = server.address() as AddressInfo;
      resolve({
        url: `http://${LOOPBACK}:${bound}/`,
        port: bound,
        server,
        close: () => new Promise<void>((done) => (server.close(() => done()), server.closeAllConnections())),
      });
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, byPath: Map<string, SiteEntry>, server: Server, rebuilds: Rebuilds | undefined): Promise<void> {
  const port = (server.address() as AddressInfo).port;
  const host = req.headers.host ?? "";
  if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) return send(res, 421, "misdirected request: this server answers only on its loopback address\n");
  const tree = rebuilds?.trees.get((req.url ?? "/").split(/[?#]/)[0]!);
  if (tree && req.method === "POST") return rebuild(req, res, tree, rebuilds!.token, host);
  const at = (req.url ?? "/").split(/[?#]/)[0]!;
  const slot = rebuilds?.saves?.get(at);
  if (slot && req.method === "POST") return save(req, res, slot, rebuilds!.token, host);
  // (a studio that writes nothing has no files to ask about)
  const disk = at === `/${DISK_STATE}` ? DISK_ANSWERS.state : at === `/${DISK_TEXTS}` ? DISK_ANSWERS.texts : undefined;
  if (disk && rebuilds?.saves?.size && req.method === "POST") return diskFiles(req, res, disk, rebuilds.saves, rebuilds.token, host);
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "method not allowed\n");
  }
  // the raw path as sent (the site's paths are stored percent-encoded as the page asks for them)
  const path = (req.url ?? "/").split(/[?#]/)[0]!;
  const entry = byPath.get(path);
  if (!entry) return send(res, 404, "not found\n");
  let body: Buffer;
  try {
    entry.current?.();
    body = entry.content !== undefined ? Buffer.from(entry.content) : await readFile(entry.file!);
  } catch {
    return send(res, 404, "not found\n");
  }
  res.writeHead(200, {
    "Content-Type": entry.type,
    "Content-Length": body.length,
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    // (a file's: what a save sends back as the text it started from)
    ...(path.startsWith("/files/") ? { ETag: `"${digestOf(body)}"` } : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

/** Why a POST is not the studio's own page's (undefined: it is): the token, this origin, JSON. */
function refusal(req: IncomingMessage, token: string, host: string, what: string): [number, string] | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return [403, `forbidden: ${what} is asked for by the studio's own page only\n`];
  if (req.headers["x-xsm-studio"] !== token) return [403, `forbidden: ${what} is asked for by the studio's own page only\n`];
  if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) return [415, `${what} takes JSON\n`];
  return undefined;
}

/** A tree's rebuild: m4 over the page's texts; the answer is m4's output or its located errors. */
async function rebuild(req: IncomingMessage, res: ServerResponse, tree: ServedTree, token: string, host: string): Promise<void> {
  const refused = refusal(req, token, host, "a rebuild");
  if (refused) return send(res, ...refused);
  const body = await jsonBody<RebuildRequest>(req, res, { name: "rebuild", limit: MAX_POLICY_BYTES, tooLarge: "too large for a policy tree", shape: "{files: {name: text}}" }, (b) =>
    typeof b?.files === "object" && b.files !== null && Object.values(b.files).every((t) => typeof t === "string"),
  );
  if (body === undefined) return;
  let answer;
  try {
    answer = rebuildTree(tree, body.files);
  } catch (err) {
    if (err instanceof PolicyError) return send(res, 400, `bad rebuild request: ${err.diagnostics.map((d) => d.message).join("; ")}\n`);
    // (the scratch copy could not be written: the server goes on serving)
    return send(res, 500, `cannot rebuild the tree: ${(err as Error).message}\n`);
  }
  sendJson(res, 200, answer);
}

/** A file written back: the page's text into the file the slot names. */
async function save(req: IncomingMessage, res: ServerResponse, slot: SaveSlot, token: string, host: string): Promise<void> {
  const refused = refusal(req, token, host, "a save");
  if (refused) return send(res, ...refused);
  const body = await jsonBody<SaveRequest>(req, res, { name: "save", limit: MAX_POLICY_BYTES, tooLarge: "too large for a policy file", shape: "{text, base, overwrite}" }, (b) =>
    typeof b?.text === "string" && (b.base === undefined || typeof b.base === "string") && (b.overwrite === undefined || typeof b.overwrite === "boolean"),
  );
  if (body === undefined) return;
  const { status, answer } = await saveFile(slot, body);
  sendJson(res, status, answer);
}

/** What the page asks of its files on disk: their digests (has one changed?) or their texts. */
const DISK_ANSWERS = {
  state: { name: DISK_STATE, what: "a check of the files on disk", answer: diskDigests },
  texts: { name: DISK_TEXTS, what: "a read of files on disk", answer: diskTexts },
} as const;

/** The digests, or the texts, on disk now of the files the page names by their save paths (slots
 *  only, never a path of the file system), in one answer. */
async function diskFiles(req: IncomingMessage, res: ServerResponse, disk: (typeof DISK_ANSWERS)[keyof typeof DISK_ANSWERS], saves: Map<string, SaveSlot>, token: string, host: string): Promise<void> {
  const refused = refusal(req, token, host, disk.what);
  if (refused) return send(res, ...refused);
  const body = await jsonBody<DiskFilesRequest>(req, res, { name: disk.name, limit: 256 * 1024, tooLarge: "too many files", shape: "{files: [save path]}" }, (b) =>
    Array.isArray(b?.files) && b.files.every((f: unknown) => typeof f === "string"),
  );
  if (body === undefined) return;
  const unknown = body.files.filter((f) => !saves.has(`/${f}`));
  if (unknown.length) return send(res, 400, `bad ${disk.name} request: not a file xsm studio may write: ${unknown.join(", ")}\n`);
  sendJson(res, 200, { files: disk.answer(new Map(body.files.map((f) => [f, saves.get(`/${f}`)!]))) });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" });
  res.end(text);
}

/** The request's JSON body when `accepts` takes it; otherwise the refusal is sent (413 past the
 *  limit, 400 naming the request and what its body should be) and the answer is undefined. */
async function jsonBody<T>(
  req: IncomingMessage,
  res: ServerResponse,
  request: { name: string; limit: number; tooLarge: string; shape: string },
  accepts: (body: any) => boolean, // (a parsed body, looked at before it is typed)
): Promise<T | undefined> {
  let body: unknown;
  try {
    const raw = await readBody(req, request.limit);
    if (raw === undefined) {
      send(res, 413, `${request.tooLarge}\n`);
      return undefined;
    }
    body = JSON.parse(raw);
    // a key given twice would be read as its last value: refused, located, as every JSON xsm reads
    const twice = findDuplicateKeys(raw)[0];
    if (twice !== undefined) throw new Error(`${twice.path} at ${twice.line}:${twice.col}: ${duplicateKeyMessage(twice)}`);
    if (!accepts(body)) throw new Error(`not ${request.shape}`);
  } catch (err) {
    send(res, 400, `bad ${request.name} request: ${(err as Error).message}\n`);
    return undefined;
  }
  return body as T;
}

/** The request's body as text, or undefined past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // (past the limit the rest is read and dropped, so the answer still reaches the page)
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), "X-Content-Type-Options": "nosniff" });
  res.end(text);
}
