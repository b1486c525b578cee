// textDocument/inlayHint: what a Xen policy author cannot see where they write. At a call of one of
// the tree's m4 interfaces, the name of the parameter each argument is for, as the define's comment
// names it (xen.if's `# create_domain(builder, domain_type)`: which of two types is which is the
// question such a call raises); none where the comment names no parameters ($1 says nothing) or
// the argument already spells the name. In a rule's type set, after an attribute, how many types
// it stands for (what the rule expands to). Either can be switched off
// (initializationOptions.inlayHints).
import { InlayHintKind, type InlayHint, type Range } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { macroCalls, type MacroDef } from "../build/macros.js";
import { NAME_KINDS } from "../policy/name-index.js";
import type { IndexModel, NamesModel } from "./model.js";
import { argumentList, macroComment, macroSignature } from "./signature.js";

export interface InlayOptions {
  /** Parameter names at interface calls (default on). */
  parameterNames: boolean;
  /** The number of types at an attribute's uses (default on). */
  attributeTypes: boolean;
}

export const DEFAULT_INLAY: InlayOptions = { parameterNames: true, attributeTypes: true };

export interface InlayInput {
  doc: TextDocument;
  range: Range;
  options: InlayOptions;
  /** A tree's interfaces, and the text of the file each is defined in. */
  macros?: ReadonlyMap<string, MacroDef>;
  sourceOf?: (file: string) => string | undefined;
  index?: IndexModel;
  names?: NamesModel;
}

/** At most this many member names in an attribute hint's tooltip. */
const TOOLTIP_TYPES = 20;

export function inlayHints(input: InlayInput): InlayHint[] {
  const { doc, options } = input;
  const text = doc.getText();
  const from = doc.offsetAt(input.range.start);
  const to = doc.offsetAt(input.range.end);
  const out: { at: number; hint: InlayHint }[] = [];
  if (options.parameterNames && input.macros && input.sourceOf) {
    for (const { at, label } of parameterHints(text, from, to, input.macros, input.sourceOf)) {
      const position = doc.positionAt(at);
      const kind = InlayHintKind.Parameter;
      const hint: InlayHint = { position, label: `${label}:`, kind, paddingRight: true };
      out.push({ at, hint });
    }
  }
  if (options.attributeTypes && input.index && input.names) {
    for (const h of attributeHints(doc, input.index, input.names)) {
      if (h.at >= from && h.at <= to) out.push(h);
    }
  }
  return out.sort((a, b) => a.at - b.at).map((h) => h.hint);
}

/** Each argument in [from, to) of each interface call, nested ones too, whose parameter the
 *  comment names. */
function parameterHints(
  text: string,
  from: number,
  to: number,
  macros: ReadonlyMap<string, MacroDef>,
  sourceOf: (file: string) => string | undefined,
): { at: number; label: string }[] {
  const out: { at: number; label: string }[] = [];
  const signatures = new Map<string, string[]>();
  const named = (def: MacroDef): string[] => {
    let params = signatures.get(def.name);
    if (!params) {
      const sig = macroSignature(def, macroComment(sourceOf(def.file) ?? "", def));
      // `$1`, `...`: what the body reads, not a name the author gave
      params = sig.parameters.map((p) => sig.label.slice(...p));
      params = params.map((p) => (p.startsWith("$") || p === "..." ? "" : p));
      signatures.set(def.name, params);
    }
    return params;
  };
  // calls that start before the range may have arguments in it: from the start of the text; a
  // call given in another's arguments (`outer(t, `inner(a, b)')`, a body handed on) has its own
  // parameters, so each list is read for calls too, down to where the range ends
  const visit = (start: number, end: number): void => {
    for (const call of macroCalls(text, start, end, macros)) {
      const open = call.offset + call.name.length;
      if (text[open] !== "(") continue;
      const list = argumentList(text, open);
      if (!list) continue;
      const params = named(macros.get(call.name)!);
      if (!params.every((p) => p === "")) {
        const variadic = params[params.length - 1]!.endsWith("...");
        list.starts.forEach((at, k) => {
          if (at < from || at >= to) return;
          // a variadic parameter's name once, at its first argument
          if (k >= params.length && !(variadic && k === params.length - 1)) return;
          const param = params[k] ?? "";
          const written = call.args[k]?.trim() ?? "";
          if (param === "" || written === "" || written === param) return;
          out.push({ at, label: param });
        });
      }
      visit(open + 1, Math.min(list.close, to));
    }
  };
  visit(0, to);
  return out;
}

/** The uses of attributes the analysis placed in this document, where the text still spells
 *  them. */
function attributeHints(
  doc: TextDocument,
  index: IndexModel,
  names: NamesModel,
): { at: number; hint: InlayHint }[] {
  const file = index.files.indexOf(doc.uri);
  if (file < 0) return [];
  // a name in a type set (a rule's, a role's): not `type t, attr;`, which says what it adds
  const typeish = NAME_KINDS.indexOf("typeish");
  const seen = new Set<number>();
  const out: { at: number; hint: InlayHint }[] = [];
  for (let i = 0; i < index.name.length; i++) {
    if (index.file[i] !== file || index.kind[i] !== typeish || index.decl[i]) continue;
    const name = index.names[index.name[i]!]!;
    // (a name in a type set is an attribute when the symbol tables say so)
    const id = names.attrIds.get(name);
    if (id === undefined) continue;
    const line = index.line[i]!;
    const start = { line, character: index.start[i]! };
    const range = { start, end: { line, character: index.end[i]! } };
    if (doc.getText(range) !== name) continue;
    const at = doc.offsetAt(range.end);
    if (seen.has(at)) continue;
    seen.add(at);
    const members = names.attrs[id]!.members;
    const shown = Array.from(members.subarray(0, TOOLTIP_TYPES), (t) => names.types[t]!.name);
    const rest = members.length - TOOLTIP_TYPES;
    const more = rest > 0 ? `, and ${rest} more` : "";
    const list = `${name}: ${shown.join(", ")}${more}`;
    out.push({
      at,
      hint: {
        position: range.end,
        label: `(${members.length} type${members.length === 1 ? "" : "s"})`,
        paddingLeft: true,
        tooltip: members.length === 0 ? `${name} has no types` : list,
      },
    });
  }
  return out;
}
