// A save checks the file's digest twice: before it writes the page's text beside the file, and
// again once that text is staged, just before the rename. Another program writing the file in
// between (here: while the staged file is written, as a slow disk or a large text allows) is a
// conflict, not a lost edit. node:fs is wrapped so the other program's write happens at that
// moment, every time.
import { cpSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { digestOf, saveFile, slotFor, type SaveSlot } from "../../src/studio/save.js";
import { scratchWithPage } from "./support.js";

const meanwhile = vi.hoisted(() => ({ act: undefined as undefined | ((path: string) => void) }));
vi.mock("node:fs", async (original) => {
  const fs = await original<typeof import("node:fs")>();
  const writeFileSync: typeof fs.writeFileSync = (path, ...rest) => {
    fs.writeFileSync(path, ...rest);
    if (typeof path === "string" && path.endsWith(".tmp")) meanwhile.act?.(path);
  };
  return { ...fs, default: { ...fs, writeFileSync }, writeFileSync };
});

const { tmp } = scratchWithPage("xsm-studio-save-race-");

describe("a file changed on disk while the save stages its text", () => {
  const dir = join(tmp, "svp");
  cpSync(join(import.meta.dirname, "../../examples/svp"), dir, { recursive: true });
  const policy = join(dir, "svp.conf");
  const original = readFileSync(policy, "utf8");
  const slot = slotFor(policy, "svp.conf") as SaveSlot;

  it("is refused with the conflict and its digest now; the other program's text stays, and no staged file is left", async () => {
    meanwhile.act = () => writeFileSync(policy, `# another program\n${original}`);
    try {
      const r = await saveFile(slot, { text: `# the page\n${original}`, base: digestOf(original) });
      expect(r).toEqual({ status: 409, answer: { conflict: "svp.conf changed on disk since the page loaded it", digest: digestOf(`# another program\n${original}`) } });
    } finally {
      meanwhile.act = undefined;
    }
    expect(readFileSync(policy, "utf8")).toBe(`# another program\n${original}`);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("overwrite, the page's explicit choice, writes all the same", async () => {
    writeFileSync(policy, original);
    meanwhile.act = () => writeFileSync(policy, `# another program\n${original}`);
    try {
      const r = await saveFile(slot, { text: `# the page\n${original}`, base: digestOf(original), overwrite: true });
      expect(r).toEqual({ status: 200, answer: { digest: digestOf(`# the page\n${original}`) } });
    } finally {
      meanwhile.act = undefined;
    }
    expect(readFileSync(policy, "utf8")).toBe(`# the page\n${original}`);
  });

  it("removed meanwhile: a conflict saying so, and the file is not made again", async () => {
    const gone = join(dir, "nested-trust.json");
    const text = readFileSync(gone, "utf8");
    const scenario = slotFor(gone, "nested-trust.json") as SaveSlot;
    meanwhile.act = () => unlinkSync(gone);
    try {
      const r = await saveFile(scenario, { text: `${text}\n`, base: digestOf(text) });
      expect(r).toEqual({ status: 409, answer: { conflict: "nested-trust.json on disk: no such file (it was there when the save began)" } });
    } finally {
      meanwhile.act = undefined;
    }
    expect(existsSync(gone)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
