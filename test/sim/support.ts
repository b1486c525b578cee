// What the simulator's tests share: golden files under test/fixtures/sim/golden (UPDATE_GOLDEN=1
// rewrites them), a scratch directory removed after the file's tests, and loading a scenario that
// must load (a test's setup, not its subject: its errors are thrown rendered).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { formatScenarioErrors, type LoadResult } from "../../src/sim/load.js";
import { prepare, type Prepared } from "../../src/sim/run.js";

export const goldenDir = join(import.meta.dirname, "../fixtures/sim/golden");

/** `actual` must equal the golden file `name`; with UPDATE_GOLDEN set, it becomes the golden file. */
export function golden(name: string, actual: string): void {
  const path = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(existsSync(path), `${path} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

/** A fresh directory under the system's tmp, removed when the calling test file is done. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The prepared scenario of a load that must succeed. */
export function prepared(loaded: LoadResult): Prepared {
  if (!loaded.ok) throw new Error(formatScenarioErrors("scenario", loaded.error));
  const p = prepare(loaded.value);
  if (!p.ok) throw new Error(formatScenarioErrors(loaded.value.file, p.error));
  return p.value;
}
