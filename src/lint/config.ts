// A lint config file's text (.xsm-lint.json) as `xsm lint` and the language server read it: its
// severities, or its one problem located in the text (line and column of bad JSON, of an unknown
// check's key, of a severity that is none), so the editor can underline it and the CLI name it.
import { duplicateKeyMessage, findDuplicateKeys, findJsonSyntaxError } from "../io/json-syntax.js";
import { jsonTooDeep } from "../io/json.js";
import { lineColAt, locateJsonPointer } from "../io/json-locate.js";
import { checkConfig, type LintConfig } from "./index.js";

/** As deep as `xsm lint` reads any JSON document (src/cli/io.ts MAX_JSON_DEPTH). */
const MAX_JSON_DEPTH = 64;

/** What is wrong with a config text: the message with its place (`PATH:LINE:COL: ...`, or
 *  `PATH: /pointer: ...` when the text has no place for it), and that place as offsets into the
 *  text after a BOM. */
export interface ConfigTextProblem {
  message: string;
  /** 0-based offsets [start, end) of what is wrong (absent: the document as a whole). */
  start?: number;
  end?: number;
}

export function readLintConfig(path: string, raw: string): { config: LintConfig } | { problem: ConfigTextProblem } {
  // (a BOM is no part of the JSON, nor of the text an editor shows: offsets are the text's after it)
  const body = raw.replace(/^\uFEFF/, "");
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    const at = findJsonSyntaxError(body);
    if (!at) return { problem: { message: `${path}: invalid JSON: ${(err as Error).message}` } };
    return { problem: { message: `${path}:${at.line}:${at.col}: invalid JSON: ${at.message}`, start: at.offset, end: at.offset + 1 } };
  }
  const deep = jsonTooDeep(doc, MAX_JSON_DEPTH);
  if (deep !== undefined) return { problem: { message: `${path}: ${deep}: nested deeper than ${MAX_JSON_DEPTH} levels; a lint config is a few levels deep` } };
  // a key given twice, before what the keys say: JSON.parse kept only the last (as every reader
  // of JSON files here refuses it, src/io/json-syntax.ts)
  const twice = findDuplicateKeys(body)[0];
  if (twice !== undefined) {
    const start = offsetOf(body, twice.line, twice.col);
    const message = `${path}:${twice.line}:${twice.col}: ${twice.path}: ${duplicateKeyMessage(twice)}`;
    return { problem: { message, start, end: start + JSON.stringify(twice.key).length } };
  }
  const read = checkConfig(doc);
  if ("config" in read) return read;
  const { pointer, message, key } = read.problem;
  const place = locateJsonPointer(body, pointer);
  const span = place && (key && place.key ? place.key : place.value);
  if (!span) return { problem: { message: `${path}: ${pointer || "/"}: ${message}` } };
  const { line, col } = lineColAt(body, span.start);
  return { problem: { message: `${path}:${line}:${col}: ${pointer || "/"}: ${message}`, start: span.start, end: span.end } };
}

/** The offset of 1-based line `line`, column `col` (UTF-16 units) in `text`. */
function offsetOf(text: string, line: number, col: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) at = text.indexOf("\n", at) + 1;
  return at + col - 1;
}
