// Reading semantic tokens back (textDocument/semanticTokens's relative encoding) for the tests:
// each token's line, start, the text it covers, its type and its modifiers by name.
import { TOKEN_MODIFIERS, TOKEN_TYPES } from "../../src/lsp/semantic-tokens.js";

export interface Decoded {
  line: number;
  char: number;
  length: number;
  text: string;
  type: string;
  mods: string[];
}

export function decodeTokens(data: readonly number[], text: string): Decoded[] {
  const lines = text.split(/\r\n|\r|\n/);
  const out: Decoded[] = [];
  let line = 0;
  let char = 0;
  for (let i = 0; i < data.length; i += 5) {
    line += data[i]!;
    char = data[i] === 0 && i > 0 ? char + data[i + 1]! : data[i + 1]!;
    const mods = TOKEN_MODIFIERS.filter((_, b) => (data[i + 4]! & (1 << b)) !== 0);
    out.push({ line, char, length: data[i + 2]!, text: (lines[line] ?? "").slice(char, char + data[i + 2]!), type: TOKEN_TYPES[data[i + 3]!] ?? `?${data[i + 3]}`, mods });
  }
  return out;
}

/** One token as a line of a test's expectations: `line:char text type+mod+mod`. */
export function show(t: Decoded): string {
  return `${t.line}:${t.char} ${t.text} ${[t.type, ...t.mods].join("+")}`;
}

/** What every answer must be: tokens in text order, none overlapping, each inside its line, of a
 *  type and modifiers of the legend. The first broken rule, or undefined. */
export function brokenRule(data: readonly number[], text: string): string | undefined {
  if (data.length % 5 !== 0) return `length ${data.length} is not a multiple of 5`;
  const lines = text.split(/\r\n|\r|\n/);
  let line = -1;
  let end = 0;
  for (const t of decodeTokens(data, text)) {
    if (t.line >= lines.length) return `${show(t)}: past the last line`;
    if (t.length <= 0 || t.char + t.length > lines[t.line]!.length) return `${show(t)}: not inside its line (${lines[t.line]!.length} long)`;
    if (t.line < line || (t.line === line && t.char < end)) return `${show(t)}: before the end of the token before it`;
    if (t.type.startsWith("?")) return `${show(t)}: no such type`;
    line = t.line;
    end = t.char + t.length;
  }
  for (let i = 4; i < data.length; i += 5) if (data[i]! >> TOKEN_MODIFIERS.length !== 0) return `token ${i / 5}: modifiers ${data[i]} outside the legend`;
  return undefined;
}
