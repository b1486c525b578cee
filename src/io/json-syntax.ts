// Where a JSON text stops being JSON (RFC 8259), as line and column: V8's JSON.parse names a
// position only for some mistakes ("Unexpected token '}', ... is not valid JSON" has none), so a
// scenario's syntax error is located by this small recursive-descent reader instead. It runs only
// after JSON.parse has failed.

export interface JsonSyntaxError {
  offset: number;
  line: number; // 1-based
  col: number; // 1-based, in UTF-16 units as editors count them
  message: string;
}

/** This reader recurses per nesting level; past this depth it stops with a located error rather
 *  than overflow the stack (a scenario is a few levels deep). */
const MAX_DEPTH = 512;

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  let depth = 0;
  const fail = (message: string): never => {
    throw new Located(i, message);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const describe = () => (i >= text.length ? "the end of the file" : `'${text[i]}'`);
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
      c === "{" ? object() : array();
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
  const object = () => {
    i++;
    ws();
    if (text[i] === "}") return void i++;
    for (;;) {
      ws();
      if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
      string();
      ws();
      if (text[i] !== ":") fail(`expected ':' after the property name, found ${describe()}`);
      i++;
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") return void i++;
      fail(`expected ',' or '}' after a property, found ${describe()}`);
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === "]") return void i++;
    for (;;) {
      value();
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
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describe()} after the JSON document`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Located)) throw e;
    return { offset: e.offset, ...lineCol(text, e.offset), message: e.message };
  }
}

class Located {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === "\n") line++, (start = k + 1);
  }
  return { line, col: offset - start + 1 };
}
