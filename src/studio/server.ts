// The studio's server: loopback only, GET and HEAD only, the site's fixed paths only. A Host header
// that is not this loopback address is refused (a web page elsewhere cannot reach it through DNS
// rebinding). It reads a served file on each request, so an edit on disk shows on reload.
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SiteEntry } from "./site.js";

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

export function startServer(entries: SiteEntry[], port = 0): Promise<StudioServer> {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const server = createServer((req, res) => void handle(req, res, byPath, server));
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

async function handle(req: IncomingMessage, res: ServerResponse, byPath: Map<string, SiteEntry>, server: Server): Promise<void> {
  const port = (server.address() as AddressInfo).port;
  const host = req.headers.host ?? "";
  if (host !== `${LOOPBACK}:${port}` && host !== `localhost:${port}`) return send(res, 421, "misdirected request: this server answers only on its loopback address\n");
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
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text), "X-Content-Type-Options": "nosniff" });
  res.end(text);
}
