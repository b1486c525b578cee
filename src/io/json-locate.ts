// Where a JSON pointer's member stands in a JSON text, for messages about a document that parsed
// (a lint config's unknown check names its line and column). JSON.parse keeps no positions, so the
// text is read again here; it runs only on a document JSON.parse has accepted, and only when a
// problem is to be located. No Node module: usable wherever the document readers are.

/** A member's place: its key's (absent for an array element or the root) and its value's, as
 *  0-based offsets [start, end) into the text. */
export interface JsonPlace {
  key?: { start: number; end: number };
  value: { start: number; end: number };
}

/** The pointer's parts, RFC 6901's escapes undone ("" is the whole document: no parts). */
function pointerParts(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The place of the member `pointer` names in `text` (valid JSON), or undefined when the text has
 *  no such member. A key given twice is the last one, the member JSON.parse keeps. */
export function locateJsonPointer(text: string, pointer: string): JsonPlace | undefined {
  const parts = pointerParts(pointer);
  let i = 0;
  const ws = (): void => {
    while (i < text.length && " \t\r\n".includes(text[i]!)) i++;
  };
  // skips one value from i (the text is valid JSON), iteratively: depth costs no stack
  const skipValue = (): void => {
    let depth = 0;
    do {
      ws();
      const c = text[i];
      if (c === '"') skipString();
      else if (c === "{" || c === "[") {
        depth++;
        i++;
      } else if (c === "}" || c === "]") {
        depth--;
        i++;
      } else if (c === "," || c === ":") i++;
      else while (i < text.length && !" \t\r\n,:]}".includes(text[i]!)) i++;
    } while (depth > 0 && i < text.length);
  };
  const skipString = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
  };
  ws();
  let place: JsonPlace = { value: { start: i, end: 0 } };
  for (const part of parts) {
    const c = text[i];
    let found: JsonPlace | undefined;
    if (c === "{") {
      i++;
      for (ws(); text[i] !== "}" && i < text.length; ws()) {
        const keyStart = i;
        skipString();
        const keyEnd = i;
        const key = JSON.parse(text.slice(keyStart, keyEnd)) as string;
        ws();
        i++; // ':'
        ws();
        const valueStart = i;
        skipValue();
        if (key === part) found = { key: { start: keyStart, end: keyEnd }, value: { start: valueStart, end: i } };
        ws();
        if (text[i] === ",") i++;
      }
    } else if (c === "[" && /^(0|[1-9][0-9]*)$/.test(part)) {
      i++;
      for (let n = 0; ws(), text[i] !== "]" && i < text.length; n++) {
        const valueStart = i;
        skipValue();
        if (n === Number(part)) found = { value: { start: valueStart, end: i } };
        ws();
        if (text[i] === ",") i++;
      }
    }
    if (!found) return undefined;
    place = found;
    i = found.value.start;
  }
  if (parts.length === 0) {
    skipValue();
    place.value.end = i;
  }
  return place;
}

/** 1-based line and column (UTF-16 units, as editors count) of an offset. */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let at = text.indexOf("\n"); at >= 0 && at < offset; at = text.indexOf("\n", at + 1)) {
    line++;
    start = at + 1;
  }
  return { line, col: offset - start + 1 };
}
