// Mutations of policy.conf files for fuzzing: token deletion, duplication, swap, renaming, garbage,
// statement moves (declaration order), deep nesting, long names and lines, numbers past their
// widths, and bytes checkpolicy's scanner treats specially (NUL, BOM, CR, bytes that are not UTF-8).
// Deterministic: the same seed gives the same mutants (a failure is replayed from its seed).

/** mulberry32: small, fast, and good enough to pick mutations. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const TOKEN = /\s+|#[^\n]*|[A-Za-z][A-Za-z0-9_.\-]*|0[xX][0-9a-fA-F]+|\d+|"[^"\n]*"|[^\s]/g;

interface Tok {
  text: string;
  kind: "blank" | "comment" | "word" | "number" | "string" | "punct";
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    const c = t.charCodeAt(0);
    const kind: Tok["kind"] =
      /^\s/.test(t) ? "blank" : t[0] === "#" ? "comment" : /^[A-Za-z]/.test(t) ? "word" : c >= 48 && c <= 57 ? "number" : t[0] === '"' ? "string" : "punct";
    out.push({ text: t, kind });
  }
  return out;
}

const KEYWORDS = new Set(["class", "sid", "common", "inherits", "attribute", "type", "alias", "typealias", "typeattribute", "bool", "tunable", "if", "else", "allow", "auditallow", "dontaudit", "neverallow", "auditdeny", "type_transition", "type_change", "type_member", "role", "types", "user", "roles", "constrain", "validatetrans", "pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon", "permissive", "policycap", "expandattribute", "attribute_role", "true", "false", "self", "not", "and", "or", "eq", "dom", "domby", "incomp", "u1", "u2", "r1", "r2", "t1", "t2"]);
const STATEMENTS = ["permissive dom0_t;", "policycap open_perms;", "policycap bogus_cap;", "tunable tun_x true;", "expandattribute domain_type true;", "attribute_role ra;", 'type_transition dom0_t xen_t:domain dom0_t "name";', "typeattribute dom0_t nosuch_attr;", "pirqcon 65536 system_u:object_r:xen_t", "type a.b;", "bool b.c true;"];
const NUMBERS = ["0", "65535", "65536", "4294967295", "4294967296", "0x10000", "0xffffffffffffffff", "0x10000000000000000", "09", "007", "1-0"];

type Mutation = (toks: Tok[], rng: Rng, words: string[]) => string;

const nonBlank = (toks: Tok[], rng: Rng, kind?: Tok["kind"]): number => {
  const idx: number[] = [];
  toks.forEach((t, i) => {
    if (t.kind !== "blank" && t.kind !== "comment" && (kind === undefined || t.kind === kind)) idx.push(i);
  });
  return idx.length === 0 ? -1 : rng.pick(idx);
};

/** Every mutation and its name; each edits `toks` in place and says what it did. */
export const MUTATIONS: Record<string, Mutation> = {
  delete(toks, rng) {
    const i = nonBlank(toks, rng);
    if (i >= 0) toks.splice(i, 1);
    return "delete";
  },
  duplicate(toks, rng) {
    const i = nonBlank(toks, rng);
    if (i >= 0) toks.splice(i, 0, toks[i]!, { text: " ", kind: "blank" });
    return "duplicate";
  },
  swap(toks, rng) {
    const i = nonBlank(toks, rng);
    const j = nonBlank(toks, rng);
    if (i >= 0 && j >= 0) [toks[i], toks[j]] = [toks[j]!, toks[i]!];
    return "swap";
  },
  rename(toks, rng, words) {
    const i = nonBlank(toks, rng, "word");
    if (i >= 0) toks[i] = { text: rng.chance(0.7) && words.length > 0 ? rng.pick(words) : `zz${rng.int(1000)}`, kind: "word" };
    return "rename";
  },
  garbage(toks, rng) {
    const i = rng.int(toks.length + 1);
    const chars = "{}();:,.-~*!=&|^\"#/@$%\\[]0123456789abcXYZ_\t ";
    let g = "";
    for (let n = 1 + rng.int(6); n > 0; n--) g += chars[rng.int(chars.length)];
    toks.splice(i, 0, { text: g, kind: "punct" });
    return "garbage";
  },
  moveLine(toks, rng) {
    // a statement moved earlier or later: declaration order (checkpolicy reads some in one pass)
    const text = toks.map((t) => t.text).join("");
    const lines = text.split("\n");
    const from = rng.int(lines.length);
    const [line] = lines.splice(from, 1);
    lines.splice(rng.int(lines.length + 1), 0, line!);
    toks.splice(0, toks.length, ...tokenize(lines.join("\n")));
    return "moveLine";
  },
  deleteLine(toks, rng) {
    const lines = toks.map((t) => t.text).join("").split("\n");
    lines.splice(rng.int(lines.length), 1);
    toks.splice(0, toks.length, ...tokenize(lines.join("\n")));
    return "deleteLine";
  },
  statement(toks, rng) {
    // a statement checkpolicy accepts for Xen that policies rarely have, at a random line
    const lines = toks.map((t) => t.text).join("").split("\n");
    lines.splice(rng.int(lines.length + 1), 0, rng.pick(STATEMENTS));
    toks.splice(0, toks.length, ...tokenize(lines.join("\n")));
    return "statement";
  },
  number(toks, rng) {
    const i = nonBlank(toks, rng, "number");
    if (i >= 0) toks[i] = { text: rng.pick(NUMBERS), kind: "number" };
    return "number";
  },
  nest(toks, rng) {
    // deep nesting: a name in many braces, or many `!`/`not` in front of one
    const i = nonBlank(toks, rng, "word");
    if (i < 0) return "nest";
    const n = rng.pick([2, 10, 200, 999, 1001, 1500]);
    const sep = rng.chance(0.5) ? "\n" : " ";
    const w = toks[i]!.text;
    const text = rng.chance(0.5) ? `${"{ ".repeat(n)}${w}${`${sep}}`.repeat(n)}` : `${`!${sep}`.repeat(n)}${w}`;
    toks[i] = { text, kind: "punct" };
    return `nest${n}`;
  },
  longName(toks, rng) {
    const i = nonBlank(toks, rng, "word");
    if (i >= 0) toks[i] = { text: toks[i]!.text + "x".repeat(rng.pick([100, 8190, 8191, 20000])), kind: "word" };
    return "longName";
  },
  longLine(toks, rng) {
    const i = rng.int(toks.length + 1);
    toks.splice(i, 0, { text: `\n#${"y".repeat(rng.pick([8188, 8189, 8190, 8191, 9000]))}\n`, kind: "comment" });
    return "longLine";
  },
  byte(toks, rng) {
    // one special character, anywhere (inside a comment or not)
    const i = rng.int(toks.length + 1);
    toks.splice(i, 0, { text: rng.pick(["\0", "\r", "\ufeff", "\u00e9", "\ufffd", "\x01", "\x7f"]), kind: "punct" });
    return "byte";
  },
  bom(toks) {
    toks.unshift({ text: "\ufeff", kind: "punct" });
    return "bom";
  },
  crlf(toks) {
    for (const t of toks) if (t.kind === "blank") t.text = t.text.replace(/\n/g, "\r\n");
    return "crlf";
  },
};

const NAMES = Object.keys(MUTATIONS);
/** How often each is picked: the cheap syntactic ones most. */
const WEIGHTS: Record<string, number> = { delete: 6, duplicate: 4, swap: 4, rename: 6, garbage: 3, moveLine: 4, deleteLine: 3, statement: 3, number: 2, nest: 1, longName: 1, longLine: 1, byte: 2, bom: 0.3, crlf: 0.3 };
const TOTAL = NAMES.reduce((n, k) => n + (WEIGHTS[k] ?? 1), 0);

function pickMutation(rng: Rng): string {
  let r = rng.next() * TOTAL;
  for (const k of NAMES) {
    r -= WEIGHTS[k] ?? 1;
    if (r <= 0) return k;
  }
  return NAMES[0]!;
}

export interface Mutant {
  /** The mutant's bytes (a text mutant, encoded as UTF-8, or with one raw byte that is not). */
  bytes: Uint8Array;
  ops: string[];
}

/** One to three mutations of `text`. */
export function mutatePolicy(text: string, rng: Rng): Mutant {
  const toks = tokenize(text);
  const words = [...new Set(toks.filter((t) => t.kind === "word" && !KEYWORDS.has(t.text)).map((t) => t.text))];
  const ops: string[] = [];
  for (let n = 1 + rng.int(3); n > 0; n--) ops.push(MUTATIONS[pickMutation(rng)]!(toks, rng, words));
  let bytes: Uint8Array = Buffer.from(toks.map((t) => t.text).join(""), "utf8");
  if (rng.chance(0.03)) {
    // a raw byte that is not UTF-8
    const at = rng.int(bytes.length + 1);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at)]);
    ops.push("rawByte");
  }
  return { bytes, ops };
}
