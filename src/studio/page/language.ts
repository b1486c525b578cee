// Highlighting for checkpolicy's policy.conf (Xen target) and the SVP `platform` blocks: a
// CodeMirror stream tokenizer. Names are coloured by position (after `class` a class, in a
// `platform` block the member types), which is what a reader needs without a full parse.
import { HighlightStyle, StreamLanguage, type StringStream } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";

const RULES = new Set(["allow", "auditallow", "dontaudit", "neverallow", "auditdeny", "type_transition", "type_change", "type_member", "range_transition", "role_transition"]);
const DECLS = new Set(["class", "common", "inherits", "sid", "attribute", "type", "typealias", "alias", "typeattribute", "bool", "role", "types", "user", "roles", "attribute_role", "roleattribute", "permissive", "typebounds", "policycap", "sensitivity", "dominance", "category", "level", "mlsconstrain", "mlsvalidatetrans"]);
const CONTROL = new Set(["if", "else", "constrain", "validatetrans"]);
const OCONTEXTS = new Set(["pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon", "genfscon", "fs_use_xattr", "portcon", "nodecon", "netifcon"]);
const OPERATORS = new Set(["not", "and", "or", "xor", "eq", "neq", "dom", "domby", "incomp"]);
const OPERANDS = new Set(["u1", "u2", "u3", "r1", "r2", "r3", "t1", "t2", "t3", "self"]);
const PLATFORM = new Set(["platform", "supervisor", "guest", "of", "hwdom", "device"]);

interface State {
  /** The keyword that decides what the next name is. */
  lead: string;
  /** Inside a `platform NAME ... { }` body. */
  inPlatform: boolean;
  depth: number;
}

function token(stream: StringStream, state: State): string | null {
  if (stream.eatSpace()) return null;
  if (stream.match(/^#line\b.*/)) return "meta";
  if (stream.match(/^#.*/)) return "comment";
  if (stream.match(/^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]/)) return "number"; // SBDF
  if (stream.match(/^0x[0-9a-fA-F]+/) || stream.match(/^\d+(?![\w.])/)) return "number";
  if (stream.match(/^"[^"]*"?/)) return "string";
  if (stream.match(/^(==|!=|&&|\|\||\^|!)/)) return "operator";
  const ch = stream.peek();
  if (ch === "{" || ch === "}") {
    stream.next();
    if (ch === "{") state.depth++;
    else if (--state.depth <= 0) (state.depth = 0), (state.inPlatform = false);
    return "brace";
  }
  if (ch === "~" || ch === "*" || ch === "-") return stream.next(), "operator";
  if (ch === ";" || ch === ":" || ch === "," || ch === "(" || ch === ")") {
    stream.next();
    if (ch === ";") state.lead = "";
    return "punctuation";
  }
  const word = stream.match(/^[A-Za-z_$][\w.$-]*/) as RegExpMatchArray | null;
  if (!word) return stream.next(), null;
  const w = word[0];
  const lead = state.lead;
  if (PLATFORM.has(w) && (w === "platform" || state.inPlatform || lead === "platform" || lead === "platform-name")) {
    if (w === "platform") state.lead = "platform";
    else if (w === "hwdom" || w === "guest" || w === "device") state.lead = state.inPlatform ? "member" : "of";
    else if (w === "of") state.lead = "parent";
    else state.lead = "platform-name";
    if (w === "platform") state.inPlatform = true;
    return "keyword";
  }
  if (RULES.has(w)) return (state.lead = "rule"), "keyword";
  if (DECLS.has(w)) return (state.lead = w), "definitionKeyword";
  if (CONTROL.has(w)) return (state.lead = w), "controlKeyword";
  if (OCONTEXTS.has(w)) return (state.lead = w), "definitionKeyword";
  if (OPERATORS.has(w)) return "operatorKeyword";
  if (OPERANDS.has(w)) return "atom";
  if (w === "true" || w === "false") return "bool";
  switch (lead) {
    case "class":
    case "common":
      state.lead = "perms";
      return "className";
    case "platform":
    case "parent":
      state.lead = "platform-name";
      return "namespace";
    case "member":
      state.lead = "";
      return "typeName";
    case "attribute":
      return "labelName";
    case "bool":
      return "variableName";
    case "role":
    case "user":
      return "variableName.special";
  }
  if (/_t$/.test(w)) return "typeName";
  if (/_(r)$/.test(w)) return "variableName.special";
  if (/_u$/.test(w)) return "variableName.special";
  return "variableName";
}

export const policyLanguage = StreamLanguage.define<State>({
  name: "policy.conf",
  startState: () => ({ lead: "", inPlatform: false, depth: 0 }),
  copyState: (s) => ({ ...s }),
  token,
  languageData: { commentTokens: { line: "#" } },
});

export const policyHighlight = HighlightStyle.define([
  { tag: t.comment, color: "#7a8391", fontStyle: "italic" },
  { tag: t.meta, color: "#9aa3ad" },
  { tag: t.keyword, color: "#a626a4", fontWeight: "600" },
  { tag: t.definitionKeyword, color: "#0b6bcb", fontWeight: "600" },
  { tag: t.controlKeyword, color: "#c2410c", fontWeight: "600" },
  { tag: t.operatorKeyword, color: "#c2410c" },
  { tag: t.atom, color: "#b45309" },
  { tag: t.bool, color: "#b45309" },
  { tag: t.number, color: "#0f766e" },
  { tag: t.string, color: "#0f766e" },
  { tag: t.className, color: "#9333ea" },
  { tag: t.namespace, color: "#be123c", fontWeight: "600" },
  { tag: t.typeName, color: "#1d4ed8" },
  { tag: t.labelName, color: "#047857" },
  { tag: t.special(t.variableName), color: "#7c2d12" },
  { tag: t.variableName, color: "#1f2937" },
  { tag: t.operator, color: "#c2410c" },
  { tag: t.punctuation, color: "#6b7280" },
  { tag: t.brace, color: "#6b7280" },
]);
