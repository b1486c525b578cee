// What the studio's browser tests share: Debian's chromium driven by playwright-core, servers they
// start (`xsm studio`, a static file server), a studio on a copy of an example with its page open,
// and assertions that poll the page until it agrees. Screenshots go to artifacts/browser/; a failed
// test leaves its pages' pictures, HTML and console, and its servers' output, under
// artifacts/browser/failures/ and says so on stderr (keepEvidence).
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { expect, type TestContext } from "vitest";

export const root = join(import.meta.dirname, "../..");
export const xsm = join(root, "bin/xsm.cjs");
export const examples = join(root, "examples/svp");
const artifacts = join(root, "artifacts/browser");
const CHROMIUM = process.env.XSM_CHROMIUM ?? "/usr/bin/chromium";
/** What `xsm studio` prints first: the URL it serves. */
export const URL_LINE = /(http:\/\/127\.0\.0\.1:\d+\/)/;

/** Starts a server process and resolves with the URL it prints first (and all it prints, as it
 *  comes: `output`). */
export function serve(cmd: string, args: string[], pattern: RegExp, env?: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...(env ? { env } : {}) });
    const server: Server = { command: [cmd, ...args].join(" "), started: Date.now(), out: "", exit: undefined };
    servers.push(server);
    const onData = (chunk: Buffer) => {
      server.out += chunk.toString();
      const m = pattern.exec(server.out);
      if (m) resolve({ proc, url: m[1]!, output: () => server.out });
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code, signal) => {
      server.exit = signal ?? String(code);
      reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${server.out}`));
    });
  });
}

// playwright-core has no assertion library: these poll until the page agrees or time runs out,
// then assert with vitest (so a failure shows what the page had).
export async function eventually<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeout = 20_000): Promise<T> {
  const end = Date.now() + timeout;
  let v = await get();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await get();
  }
  return v;
}
export const textOf = (loc: Locator) => loc.first().textContent({ timeout: 20_000 }).then((t) => t ?? "");
export async function expectText(loc: Locator, text: string): Promise<void> {
  expect(await eventually(() => textOf(loc), (t) => t.includes(text))).toContain(text);
}
export async function expectNoText(loc: Locator, text: string): Promise<void> {
  expect(await textOf(loc)).not.toContain(text);
}
export async function expectExactText(loc: Locator, text: string): Promise<void> {
  expect(await eventually(() => textOf(loc).then((t) => t.trim()), (t) => t === text)).toBe(text);
}
export async function expectAttr(loc: Locator, name: string, value: string | RegExp): Promise<void> {
  const ok = (v: string | null) => (typeof value === "string" ? v === value : v !== null && value.test(v));
  const got = await eventually(() => loc.first().getAttribute(name, { timeout: 20_000 }), ok);
  if (typeof value === "string") expect(got).toBe(value);
  else expect(got).toMatch(value);
}
/** Asks the decision explorer one question (its form, then Decide). */
export async function decide(page: Page, source: string, target: string, tclass: string, perm: string): Promise<void> {
  const form = page.getByTestId("decision-form");
  await form.locator("input[name=source]").fill(source);
  await form.locator("input[name=target]").fill(target);
  await form.locator("select[name=class]").selectOption(tclass);
  await form.locator("select[name=perm]").selectOption(perm);
  await form.getByRole("button", { name: "Decide" }).click();
}
/** Undoes the edits of the file in the policy editor as a user does, Ctrl+Z, until the file is as
 *  the page loaded it (its tab's unsaved mark gone). No count of undos fits: CodeMirror starts a new
 *  history event after 500 ms between keys, so text typed under load is many events. */
export async function undoAll(page: Page): Promise<void> {
  const tab = page.locator(".left .tabs .tab[data-tab=policy]");
  for (let i = 0; i < 200 && (await tab.getAttribute("data-unsaved")) !== null; i++) await page.keyboard.press("Control+z");
  expect(await tab.getAttribute("data-unsaved")).toBeNull();
}
/** The page is looked at again, as on return from another program (a `focus` of the window, a
 *  `visibilitychange`, or both in one task, as a switch back to its tab fires them): resolves once
 *  the page has checked its files on disk for it (the save message has `data-checking` while a
 *  check is asked for or under way). */
export async function returnToPage(page: Page, ...events: ("focus" | "visibilitychange")[]): Promise<void> {
  const fired = events.length ? events : ["focus"];
  const asked = await page.evaluate((es) => {
    for (const e of es) (e === "focus" ? window : document).dispatchEvent(new Event(e));
    return document.querySelector("[data-testid=save-message]")!.hasAttribute("data-checking");
  }, fired);
  expect(asked, `${fired.join(" and ")} ask the page to check its files`).toBe(true);
  const message = page.getByTestId("save-message");
  expect(await eventually(() => message.getAttribute("data-checking"), (v) => v === null)).toBeNull();
}
/** Keys typed into a read-only editor change nothing and are counted on its note (data-refused). */
export async function expectTypingRefused(page: Page, note: Locator): Promise<void> {
  const editor = page.getByTestId("editor").locator(".cm-content");
  // (the click scrolls the content's middle into view: what is shown is read after it)
  await editor.click();
  const before = await shownText(page, editor);
  await page.keyboard.type("xyz");
  await expectAttr(note, "data-refused", /^[1-9]/);
  expect(await shownText(page, editor)).toBe(before);
}
/** The lines a CodeMirror editor shows, once drawn. It draws the lines it guesses are in view, then
 *  measures them in the next animation frames and draws those it missed: a read straight after a
 *  new text or a scroll saw part of them under load ("m4's output is read only" failed so, the
 *  lines after the first screen drawn only after the keys were typed). Read after two frames,
 *  until two reads agree. */
async function shownText(page: Page, editor: Locator): Promise<string> {
  const frames = () => page.evaluate(() => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))));
  let last: string | undefined;
  for (let i = 0; i < 100; i++) {
    await frames();
    const now = (await editor.textContent()) ?? "";
    if (now === last) return now;
    last = now;
  }
  throw new Error("the editor's text kept changing for 100 pairs of frames");
}
/** A tree whose modules/domU.te (text `te`, before the page) ends in a string m4 never sees close:
 *  the page opens that file at m4's one error, on its last line. */
export async function expectOpenAtUnclosedString(page: Page, te: string): Promise<void> {
  expect(await page.getByTestId("tree-file").inputValue()).toBe("modules/domU.te");
  const m4 = page.getByTestId("diagnostics").locator("li.diag.error");
  await expectCount(m4, 1);
  await expectAttr(m4, "data-file", "modules/domU.te");
  await expectAttr(m4, "data-line", String(te.split("\n").length));
  await expectText(m4, "m4: end of file in string");
}

/** The editor's last line taken out, as a user does it. */
export async function deleteLastLine(page: Page): Promise<void> {
  await page.getByTestId("editor").locator(".cm-content").click();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Backspace");
  await page.keyboard.press("Shift+Home");
  await page.keyboard.press("Backspace");
}

export async function expectCount(loc: Locator, n: number | "some"): Promise<void> {
  const got = await eventually(() => loc.count(), (c) => (n === "some" ? c > 0 : c === n));
  if (n === "some") expect(got).toBeGreaterThan(0);
  else expect(got).toBe(n);
}

let browser: Browser;
/** The pages' console errors and warnings, and failed requests: the last test expects none. */
export const problems: string[] = [];

/** A server `serve` started: its command line, all it printed, how it ended (once it has). */
interface Server {
  command: string;
  started: number;
  out: string;
  exit: string | undefined;
}
const servers: Server[] = [];
/** The pages open now, each with all its console said (every level), its errors and failed
 *  requests, timed from its opening: what a failed test leaves behind. */
const pages = new Map<Page, string[]>();

export async function startBrowser(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (apt-get install chromium, or set XSM_CHROMIUM)`);
  mkdirSync(artifacts, { recursive: true });
  // (a run's evidence is its own: none left from an earlier run to be mistaken for it)
  rmSync(join(artifacts, "failures"), { recursive: true, force: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

export async function stopBrowser(): Promise<void> {
  await browser?.close();
}

export async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const opened = Date.now();
  const log: string[] = [];
  const note = (line: string) => log.push(`+${Date.now() - opened}ms ${line}`);
  pages.set(page, log);
  page.on("close", () => pages.delete(page));
  page.on("console", (m) => {
    note(`console.${m.type()}: ${m.text()}`);
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => (note(`pageerror: ${e.stack ?? e.message}`), problems.push(`pageerror: ${e.message}`)));
  page.on("requestfailed", (r) => (note(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`), problems.push(`request failed: ${r.url()}`)));
  page.on("response", (r) => r.status() >= 400 && note(`response ${r.status()}: ${r.request().method()} ${r.url()}`));
  page.on("framenavigated", (f) => f === page.mainFrame() && note(`navigated to ${f.url()}`));
  note(`open ${url}`);
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  return page;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });

/** For afterEach: when the test failed, what it leaves behind is kept under
 *  artifacts/browser/failures/<test>/ (each open page's screenshot, HTML and console log; the output
 *  of each server started for the test or still serving) and named on stderr with the page's status
 *  line and the ends of the logs, so that a failure seen once can be read afterwards; the pages are
 *  then closed (a test that throws leaves its page open). `since` is when the test started. */
export async function keepEvidence(ctx: TestContext, since: number): Promise<void> {
  const failed = ctx.task.result?.state === "fail";
  const open = [...pages];
  if (failed) {
    const dir = join(artifacts, "failures", ctx.task.name.replace(/[^A-Za-z0-9]+/g, "-").slice(0, 80));
    mkdirSync(dir, { recursive: true });
    const report = [`browser test failed: ${ctx.task.name}`, `evidence in ${dir}`];
    for (const [i, [page, log]] of open.entries()) {
      const name = `page-${i + 1}`;
      const status = await page.getByTestId("status").first().textContent({ timeout: 2_000 }).catch((e: Error) => `(unread: ${e.message.split("\n")[0]})`);
      await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true, timeout: 10_000 }).catch((e: Error) => log.push(`(no screenshot: ${e.message})`));
      writeFileSync(join(dir, `${name}.html`), await page.content().catch((e: Error) => `(no HTML: ${e.message})`));
      writeFileSync(join(dir, `${name}-console.log`), log.join("\n") + "\n");
      report.push(`${name}: ${page.url()} (status: ${status}): ${name}.png, ${name}.html, ${name}-console.log; its console's last lines:`, ...log.slice(-15).map((l) => `  ${l}`));
    }
    if (!open.length) report.push("(no page was open)");
    for (const [i, server] of servers.entries()) {
      if (server.exit !== undefined && server.started < since) continue;
      const name = `server-${i + 1}.log`;
      writeFileSync(join(dir, name), `$ ${server.command}\n${server.out}${server.exit === undefined ? "" : `(ended: ${server.exit})\n`}`);
      report.push(`${name}: ${server.command} (${server.exit === undefined ? "running" : `ended: ${server.exit}`}); its last lines:`, ...server.out.trimEnd().split("\n").slice(-10).map((l) => `  ${l}`));
    }
    console.error(report.join("\n"));
  }
  for (const [page] of open) await page.close().catch(() => undefined);
}

/** A studio `withStudio` started, its page open. */
export interface OpenStudio {
  /** The copy of the example it serves. */
  copy: string;
  url: string;
  page: Page;
  /** The policy editor's text. */
  editor: Locator;
  /** A file of the copy and its text now. */
  read(name: string): { path: string; text: string };
  /** All the server has printed so far. */
  output: () => string;
}

/** `xsm studio` on a copy of examples/`example` made in `dir` as `name` (changed by `prepare` before
 *  the studio starts; the studio started on what `target` names in it, else the copy), its page
 *  open at `query`: `body` runs, then the page is closed and the server stopped, whatever it did. */
export async function withStudio(
  o: { example: "svp" | "xen-flask"; dir: string; name: string; prepare?: (copy: string) => void; target?: (copy: string) => string; args?: string[]; env?: NodeJS.ProcessEnv; query?: string },
  body: (s: OpenStudio) => Promise<void>,
): Promise<void> {
  const copy = join(o.dir, o.name);
  cpSync(join(root, "examples", o.example), copy, { recursive: true });
  const read = (name: string) => ({ path: join(copy, name), text: readFileSync(join(copy, name), "utf8") });
  o.prepare?.(copy);
  const s = await serve(process.execPath, [xsm, "studio", o.target?.(copy) ?? copy, "--no-open", ...(o.args ?? [])], URL_LINE, o.env);
  try {
    const page = await openPage(`${s.url}${o.query ?? "?view=decisions"}`);
    await body({ copy, url: s.url, page, editor: page.getByTestId("editor").locator(".cm-content"), read, output: s.output });
    await page.close();
  } finally {
    s.proc.kill("SIGTERM");
  }
}
