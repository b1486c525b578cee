// What the studio's browser tests share: Debian's chromium driven by playwright-core, servers they
// start (`xsm studio`, a static file server), a studio on a copy of an example with its page open,
// and assertions that poll the page until it agrees. Screenshots go to artifacts/browser/.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";

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
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) resolve({ proc, url: m[1]!, output: () => out });
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${out}`)));
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
/** Keys typed into a read-only editor change nothing and are counted on its note (data-refused). */
export async function expectTypingRefused(page: Page, note: Locator): Promise<void> {
  const editor = page.getByTestId("editor").locator(".cm-content");
  const before = await editor.textContent();
  await editor.click();
  await page.keyboard.type("xyz");
  await expectAttr(note, "data-refused", /^[1-9]/);
  expect(await editor.textContent()).toBe(before);
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

export async function startBrowser(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM} (apt-get install chromium, or set XSM_CHROMIUM)`);
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
}

export async function stopBrowser(): Promise<void> {
  await browser?.close();
}

export async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
  return page;
}

export const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`) });

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
