// The fields of a request's params the handlers read, checked before they read them: a client's
// malformed request is answered with JSON-RPC's InvalidParams naming the field, as a path into
// the params, where a handler would have failed on it with a TypeError (an "internal error").
import { ErrorCodes, ResponseError, type InitializeError } from "vscode-languageserver";
import { problemText, settingsProblem } from "./settings.js";

/** What a request carries besides `textDocument.uri`. */
export interface ParamsShape {
  position?: boolean;
  /** references' `context.includeDeclaration`. */
  context?: boolean;
  /** rename's `newName`. */
  newName?: boolean;
  /** codeAction's `range` and `context.diagnostics`. */
  codeAction?: boolean;
  /** A `range` of two positions (semanticTokens/range, inlayHint). */
  range?: boolean;
  /** selectionRange's `positions`. */
  positions?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const got = (v: unknown): string =>
  v === undefined ? "nothing" : (JSON.stringify(v) ?? String(v)).slice(0, 60);
const uinteger = (v: unknown): boolean =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0x7fffffff;

/** The first field of `params` that is not as the LSP specification types it, as an error to
 *  answer with; undefined when the params are fine. */
export function badParams(
  params: unknown,
  shape: ParamsShape = {},
): ResponseError<void> | undefined {
  const bad = (path: string, expected: string, value: unknown) =>
    new ResponseError<void>(
      ErrorCodes.InvalidParams,
      `xsm: params.${path}: expected ${expected}; got ${got(value)}`,
    );
  if (!isObject(params))
    return new ResponseError<void>(
      ErrorCodes.InvalidParams,
      `xsm: params: expected an object; got ${got(params)}`,
    );
  const doc = params.textDocument;
  if (!isObject(doc)) return bad("textDocument", "an object { uri }", doc);
  if (typeof doc.uri !== "string") return bad("textDocument.uri", "a string", doc.uri);
  if (shape.position) {
    const pos = params.position;
    if (!isObject(pos)) return bad("position", "an object { line, character }", pos);
    for (const k of ["line", "character"] as const)
      if (!uinteger(pos[k])) return bad(`position.${k}`, "an integer from 0", pos[k]);
  }
  if (shape.range) {
    const range = params.range;
    if (!isObject(range)) return bad("range", "an object { start, end }", range);
    for (const end of ["start", "end"] as const) {
      const pos = range[end];
      if (!isObject(pos)) return bad(`range.${end}`, "an object { line, character }", pos);
      for (const k of ["line", "character"] as const)
        if (!uinteger(pos[k])) return bad(`range.${end}.${k}`, "an integer from 0", pos[k]);
    }
  }
  if (shape.positions) {
    const list = params.positions;
    if (!Array.isArray(list)) return bad("positions", "an array of { line, character }", list);
    for (let i = 0; i < list.length; i++) {
      const pos = list[i];
      if (!isObject(pos)) return bad(`positions[${i}]`, "an object { line, character }", pos);
      for (const k of ["line", "character"] as const)
        if (!uinteger(pos[k])) return bad(`positions[${i}].${k}`, "an integer from 0", pos[k]);
    }
  }
  if (
    shape.context &&
    (!isObject(params.context) || typeof params.context.includeDeclaration !== "boolean")
  )
    return bad("context", "an object { includeDeclaration: boolean }", params.context);
  if (shape.newName && typeof params.newName !== "string")
    return bad("newName", "a string", params.newName);
  if (shape.codeAction) {
    if (!isObject(params.range)) return bad("range", "an object { start, end }", params.range);
    if (!isObject(params.context) || !Array.isArray(params.context.diagnostics))
      return bad("context", "an object { diagnostics: [] }", params.context);
  }
  return undefined;
}

/** initializationOptions as `xsm lsp` reads them (settings.ts: the keys of the `xsm` settings). */
export function badInitOptions(init: unknown): ResponseError<InitializeError> | undefined {
  const problem = settingsProblem(init);
  if (!problem) return undefined;
  // retry: false, as the same options will be refused again
  const message = problemText("params.initializationOptions", problem);
  return new ResponseError<InitializeError>(ErrorCodes.InvalidParams, message, { retry: false });
}
