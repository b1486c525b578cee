// Where a JSON text stops being JSON (RFC 8259), as line and column: V8's JSON.parse names a
// position only for some mistakes ("Unexpected token '}', ... is not valid JSON" has none), so a
// syntax error is located by this small recursive-descent reader instead. It runs only after
// JSON.parse has failed; and after it has succeeded, to find a key given twice in one object, which
// JSON.parse takes silently (the last value wins) and RFC 8259 leaves to the reader: every JSON file
// xsm reads refuses one, located, rather than act on a value the author may not see.

export interface JsonSyntaxError {
  offset: number;
  line: number; // 1-based
  col: number; // 1-based, in UTF-16 units as editors count them
  message: string;
}

/** This reader recurses per nesting level; past this depth it stops with a located error rather
 *  than overflow the stack (a scenario is a few levels deep). */
const MAX_DEPTH = 512;

/** A key given again in one object: its JSON path (the value JSON.parse keeps) and where each of
 *  the two stands (line and column of the key's opening quote). */
export interface JsonDuplicateKey {
  path: string;
  key: string;
  line: number;
  col: number;
  first: { line: number; col: number };
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const r = scan(text, false);
  return "error" in r ? r.error : undefined;
}

/** Every key of `text` (JSON that JSON.parse accepted) that its object gives more than once, each
 *  later occurrence once, in the text's order. Keys compare as JSON.parse reads them ("a" and
 *  "\u0061" are one key). */
export function findDuplicateKeys(text: string): JsonDuplicateKey[] {
  const r = scan(text, true);
  return "error" in r ? [] : r.duplicates;
}

/** What is wrong with a repeated key, in the words every reader of JSON files uses (the place and the
 *  JSON path are the caller's to put before it). */
export function duplicateKeyMessage(d: JsonDuplicateKey): string {
  return `repeated key ${JSON.stringify(d.key)} (first at ${d.first.line}:${d.first.col}): JSON keeps only the last value, so give each key once`;
}

function scan(text: string, keys: boolean): { error: JsonSyntaxError } | { duplicates: JsonDuplicateKey[] } {
  const duplicates: JsonDuplicateKey[] = [];
  let lines: ReturnType<typeof lineStarts> | undefined;
  const where = (offset: number) => (lines ??= lineStarts(text)).at(offset);
  let i = 0;
  let depth = 0;
  const fail = (message: string): never => {
    throw new Located(i, message);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const describe = () => (i >= text.length ? "the end of the file" : `'${text[i]}'`);
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      c === "{" ? object(path) : array(path);
      depth--;
      return;
    }
    if (c === '"') return string();
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(`expected a value, found ${describe()}`);
  };
  const object = (path: string) => {
    i++;
    ws();
    if (text[i] === "}") return void i++;
    // (only when looking for duplicates: a syntax error needs no keys)
    const seen = keys ? new Map<string, number>() : undefined;
    for (;;) {
      ws();
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
      const start = i;
      string();
      let member = path;
      if (seen) {
        const key = JSON.parse(text.slice(start, i)) as string;
        member = `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        const before = seen.get(key);
        if (before === undefined) seen.set(key, start);
        else duplicates.push({ path: member, key, ...where(start), first: where(before) });
      }
      ws();
      if (text[i] !== ":") fail(`expected ':' after the property name, found ${describe()}`);
      i++;
      value(member);
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") return void i++;
      fail(`expected ',' or '}' after a property, found ${describe()}`);
    }
  };
  const array = (path: string) => {
    i++;
    ws();
    if (text[i] === "]") return void i++;
    for (let n = 0; ; n++) {
      value(keys ? `${path}/${n}` : path);
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") return void i++;
      fail(`expected ',' or ']' after an element, found ${describe()}`);
    }
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("a control character (e.g. a newline) inside a string; escape it");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail("expected four hex digits after \\u");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail(`invalid escape \\${text[i] ?? ""}`);
      }
      i++;
    }
    if (i >= text.length) fail("unterminated string");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "-") fail("invalid number");
    i += m![0].length;
  };
  try {
    value("");
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON document`);
    return { duplicates };
  } catch (e) {
    if (!(e instanceof Located)) throw e;
    return { error: { offset: e.offset, ...lineCol(text, e.offset), message: e.message } };
  }
}

class Located {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  return lineStarts(text).at(offset);
}

/** Line and column of offsets into one text, by binary search over its line starts (a file may
 *  repeat keys thousands of times: each is located without reading the text from its start). */
function lineStarts(text: string): { at(offset: number): { line: number; col: number } } {
  const starts = [0];
  for (let k = text.indexOf("\n"); k !== -1; k = text.indexOf("\n", k + 1)) starts.push(k + 1);
  return {
    at(offset) {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, col: offset - starts[lo]! + 1 };
    },
  };
}
