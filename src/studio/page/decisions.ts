// The decision explorer: source and target (types or contexts), class, permission and booleans in;
// allowed/denied, audited and the reasons out, each rule a link to its line in the editor.
import type { Span } from "../../diagnostics/diagnostic.js";
import type { CompiledPolicy, Decision, NearMisses, Reason } from "../../policy/types.js";
import { domainContext, objectContext } from "./contexts.js";
import { fill, h } from "./dom.js";
import { groupIdentical, identicalSuffix, locatedNear, locatedReason, NEAR_GROUPS, nearNote, reasonText, type LocateRule } from "../../policy/reasons.js";
import type { PolicyIndex } from "./symbols.js";
import { MERGED } from "./rule-facts.js";

export interface PolicyView {
  policy(): CompiledPolicy | undefined;
  index(): PolicyIndex | undefined;
  reveal(span: Span): void;
  /** A policy tree's way from m4's output to its files (the reasons then name the .te/.if line). */
  locate(): LocateRule | undefined;
  /** The open policy's file when it is a compiled binary (its rules are lines of its listing). */
  binary(): string | undefined;
}

export interface Question {
  source: string;
  target: string;
  tclass: string;
  perm: string;
  bools: Record<string, boolean>;
}

export class DecisionExplorer {
  readonly form: HTMLFormElement;
  readonly result: HTMLElement;
  private readonly source = h("input", { name: "source", list: "xsm-types", placeholder: "a type or user:role:type", autocomplete: "off", spellcheck: "false" });
  private readonly target = h("input", { name: "target", list: "xsm-types", placeholder: "a type or user:role:type", autocomplete: "off", spellcheck: "false" });
  private readonly tclass = h("select", { name: "class" });
  private readonly perm = h("select", { name: "perm" });
  private readonly bools = h("div", { class: "bools" });
  private readonly types = h("datalist", { id: "xsm-types" });
  private boolValues: Record<string, boolean> = {};

  constructor(private readonly view: PolicyView) {
    this.form = h(
      "form",
      { class: "decision-form", testid: "decision-form", onsubmit: (e: Event) => (e.preventDefault(), this.decide()) },
      h("label", {}, "source", this.source),
      h("label", {}, "target", this.target),
      h("label", {}, "class", this.tclass),
      h("label", {}, "permission", this.perm),
      h("button", { type: "submit", class: "primary" }, "Decide"),
      this.bools,
      this.types,
    );
    this.tclass.addEventListener("change", () => (this.fillPerms(), this.decide()));
    this.perm.addEventListener("change", () => this.decide());
    this.result = h("div", { class: "decision-result empty", testid: "decision-result" }, "Ask a question: who may do what to which label.");
  }

  /** The policy changed: refresh the pick lists, keep what was typed, answer again. */
  refresh(): void {
    const policy = this.view.policy();
    const index = this.view.index();
    if (!policy || !index) return;
    const names = [...index.symbols.values()].filter((s) => s.kind === "type" || s.kind === "alias").map((s) => s.name).sort();
    fill(this.types, names.map((n) => h("option", { value: n })));
    // examples from this policy: the labels Xen starts with (dom0's, then domU's or a device's)
    const sidType = (sid: string) => policy.initialSidContext(sid)?.split(":")[2];
    const from = sidType("dom0");
    const to = [sidType("domU"), sidType("device")].find((t) => t !== undefined && t !== from);
    this.source.placeholder = `${from ? `${from} or ` : "a type or "}user:role:type`;
    this.target.placeholder = `${to ? `${to} or ` : "a type or "}user:role:type`;
    const classes = [...index.symbols.values()].filter((s) => s.kind === "class").map((s) => s.name);
    const chosen = this.tclass.value || (classes.includes("resource") ? "resource" : classes[0] ?? "");
    fill(this.tclass, classes.map((c) => h("option", { value: c, selected: c === chosen }, c)));
    this.fillPerms();
    const names2 = policy.booleanNames();
    this.boolValues = Object.fromEntries(names2.map((b) => [b, this.boolValues[b] ?? policy.getBoolean(b)!]));
    fill(
      this.bools,
      names2.length ? h("span", { class: "muted" }, "booleans") : null,
      names2.map((b) => {
        const box = h("input", { type: "checkbox", name: `bool-${b}`, checked: this.boolValues[b] });
        box.addEventListener("change", () => ((this.boolValues[b] = box.checked), this.decide()));
        return h("label", { class: "bool" }, box, b);
      }),
    );
    if (this.source.value && this.target.value) this.decide();
  }

  private fillPerms(): void {
    const index = this.view.index();
    const perms = [...(index?.perms ?? new Map<string, string[]>())].filter(([, cls]) => cls.includes(this.tclass.value)).map(([p]) => p);
    const keep = this.perm.value;
    fill(this.perm, perms.map((p) => h("option", { value: p, selected: p === keep }, p)));
  }

  /** Fills the form (the access grid's cells call this) and answers. */
  ask(q: Partial<Question>): void {
    if (q.source !== undefined) this.source.value = q.source;
    if (q.target !== undefined) this.target.value = q.target;
    if (q.tclass !== undefined && q.tclass !== this.tclass.value) (this.tclass.value = q.tclass), this.fillPerms();
    if (q.perm !== undefined) this.perm.value = q.perm;
    this.decide();
  }

  decide(): void {
    const policy = this.view.policy();
    const index = this.view.index();
    if (!policy || !index) return fill(this.result, h("div", { class: "muted" }, "The policy does not compile; fix its errors first."));
    if (!this.source.value.trim() || !this.target.value.trim()) return;
    const q: Question = { source: this.source.value.trim(), target: this.target.value.trim(), tclass: this.tclass.value, perm: this.perm.value, bools: this.boolValues };
    const a = answer(policy, index, q, this.view.locate());
    const binary = this.view.binary();
    this.result.classList.remove("empty");
    fill(this.result, renderDecision(a.decision, a.scontext, a.tcontext, q, this.view.reveal, a.near), binary ? binaryNote(binary, a.decision, a.near) : mergedNote(index, a.decision));
  }
}

/** The explorer's answer to a question, the same for a source and a binary: the contexts the
 *  names stand for (contexts.ts), and the decision of a view under the chosen booleans (the
 *  compiled policy itself stays as it is), its rules where a tree's files wrote them. */
export function answer(policy: CompiledPolicy, index: PolicyIndex, q: Question, at?: LocateRule): { scontext: string; tcontext: string; decision: Decision; near?: NearMisses } {
  const scontext = domainContext(policy, index, q.source);
  const tcontext = objectContext(policy, index, q.target);
  const view = policy.withBooleans(q.bools);
  const explained = view.explain(scontext, tcontext, q.tclass, q.perm);
  // (what comes close, for a denial no rule grants: asked only then)
  const near = explained.reasons.some((r) => r.kind === "no-rule") ? view.nearest(scontext, tcontext, q.tclass, [q.perm]) : undefined;
  return {
    scontext,
    tcontext,
    decision: at ? { ...explained, reasons: explained.reasons.map((r) => locatedReason(r, at)) } : explained,
    ...(near ? { near: at ? locatedNear(near, at) : near } : {}),
  };
}

/** What a binary's answer cannot show, said: it keeps no source, so a rule is cited by its line of
 *  the rule listing (one per access vector table entry) and a constraint by its number. */
function binaryNote(file: string, d: Decision, near?: NearMisses): HTMLElement | null {
  const cites = d.reasons.some((r) => "rule" in r) || (near !== undefined && (near.otherPerms.rules.length > 0 || near.otherTargets.rules.length > 0 || near.otherSources.rules.length > 0));
  return h(
    "p",
    { class: "binary-note muted", testid: "binary-note" },
    `${file} is a compiled binary policy: it keeps no source text, so no .conf line can be shown for ${cites ? "the rules above" : "this answer"}.`,
    cites ? ` Each rule is cited by its line in the binary's rule listing (one line per access vector table entry, in the editor), with the names and permissions the binary holds; a constraint by its number, its expression not listed.` : "",
  );
}

/** A source's rule the answer cites whose `if` checkpolicy merged into another's (RuleFacts.held):
 *  the decision follows the binary's condition, as Xen's does, not the one the source writes. */
export function mergedNote(index: PolicyIndex, d: Decision): HTMLElement | null {
  const held = d.reasons.flatMap((r) => {
    if (!("rule" in r)) return [];
    const facts = index.rules.find((f) => f.held !== undefined && f.span.file === r.rule.span.file && f.span.offset === r.rule.span.offset);
    return facts ? [{ line: r.rule.span.line, source: facts.grants[0]?.when, held: facts.held! }] : [];
  });
  if (!held.length) return null;
  return h(
    "p",
    { class: "merged-note muted", testid: "merged-note" },
    ...held.map((x) => `Line ${x.line}'s rule is under if ${x.source} as written, and under if ${x.held} in the binary: ${MERGED}. `),
    "This answer, as Xen's, follows the binary.",
  );
}

export function renderDecision(d: Decision, scontext: string, tcontext: string, q: Question, reveal: (span: Span) => void, near?: NearMisses): HTMLElement {
  const verdict = d.error ? "invalid" : d.allowed ? "allowed" : "denied";
  return h(
    "div",
    { class: `decision ${verdict}`, "data-allowed": String(d.allowed), "data-audited": String(d.audited) },
    h("div", { class: "verdict-line" }, h("span", { class: `verdict ${verdict}` }, verdict), h("span", { class: `audit ${d.audited ? "on" : ""}` }, d.audited ? "audited" : "not audited")),
    h("div", { class: "question mono" }, `${scontext} → ${tcontext}`, h("br"), `${q.tclass} { ${q.perm} }`),
    h(
      "ul",
      { class: "reasons" },
      groupIdentical(d.reasons, (r) => reasonText(r)).map(({ item, count }) =>
        h("li", { class: `reason ${item.kind}` }, ...reasonParts(item, reveal), identicalSuffix(count), item.kind === "no-rule" && near ? nearList(near, reveal) : null),
      ),
    ),
  );
}

/** Under "no enabled allow rule grants it": the nearest rules of each kind, each a link to its
 *  line, and the allow rule audit2allow would write (CompiledPolicy.nearest). */
function nearList(n: NearMisses, reveal: (span: Span) => void): HTMLElement {
  const items = NEAR_GROUPS.flatMap(([key, side, title]) => {
    const g = n[key];
    if (g.rules.length === 0) return [];
    return [
      h(
        "li",
        { class: `near ${key}`, testid: `near-${key}` },
        `${title}:`,
        h(
          "ul",
          {},
          g.rules.map((r) => h("li", {}, ruleLink(r.rule.span.file, r.rule.span.line, r.rule.expansion, () => reveal(r.rule.span)), " ", h("code", { class: "rule-text" }, abbreviate(r.rule.text)), ` ${nearNote(r, side)}`)),
          g.more > 0 ? h("li", { class: "muted" }, `and ${g.more} more`) : null,
        ),
      ),
    ];
  });
  return h("ul", { class: "nearest", testid: "nearest" }, ...items, proposalItem(n, reveal));
}

/** audit2allow's rule; or, when checkpolicy would refuse the policy with it, that it is no fix and
 *  each neverallow (typebounds) it breaks, a link to its line (the CLI's proposalLines). */
function proposalItem(n: NearMisses, reveal: (span: Span) => void): HTMLElement {
  if (!n.refused) return h("li", { class: "near proposal", testid: "near-proposal" }, "audit2allow proposes: ", h("code", { class: "rule-text" }, n.allow));
  return h(
    "li",
    { class: "near proposal refused", testid: "near-proposal" },
    "audit2allow's rule ",
    h("code", { class: "rule-text" }, n.allow),
    " is no fix: checkpolicy refuses the policy with it",
    h(
      "ul",
      {},
      n.refused.map((r) => h("li", { testid: "near-refused" }, ruleLink(r.rule.span.file, r.rule.span.line, r.rule.expansion, () => reveal(r.rule.span)), " ", h("code", { class: "rule-text" }, abbreviate(r.rule.text)), ` (${r.message})`)),
    ),
  );
}

export function reasonParts(r: Reason, reveal: (span: Span) => void): (Node | string)[] {
  const link = (rule: { text: string; span: Span; expansion?: string }) =>
    ruleLink(rule.span.file, rule.span.line, rule.expansion, () => reveal(rule.span));
  const text = (rule: { text: string }) => h("code", { class: "rule-text" }, abbreviate(rule.text));
  switch (r.kind) {
    case "granted-by":
      return ["granted by ", link(r.rule), " ", text(r.rule)];
    case "no-rule":
      return ["no enabled allow rule grants it"];
    case "disabled-by-bool":
      return ["would be granted by ", link(r.rule), ` but its branch is off (${r.condition}) `, text(r.rule)];
    case "constraint-failed":
      return ["constraint fails: ", link(r.rule), " ", text(r.rule)];
    case "role-transition-denied":
      return [`no role allow ${r.role} ${r.newRole} for domain:transition`];
    case "bounds-masked":
      return [`masked: ${r.child} is bounded by ${r.parent}, which is not allowed it`];
    case "permissive":
      return [`${r.type} is permissive: Xen's AVC logs the denial and grants it`];
    case "auditallow":
      return ["audited by ", link(r.rule), " ", text(r.rule)];
    case "dontaudit":
      return ["not audited by ", link(r.rule), " ", text(r.rule)];
    case "invalid":
      return [r.message];
  }
}

/** A rule's place, a link to it, and for a policy tree's macro-written rule the call that wrote it. */
export function ruleLink(file: string, line: number, expansion: string | undefined, go: () => void): DocumentFragment {
  const out = document.createDocumentFragment();
  out.append(h("a", { href: "#", class: "rule-link", "data-file": file, "data-line": String(line), onclick: (e: Event) => (e.preventDefault(), go()) }, `${file}:${line}`));
  if (expansion) out.append(h("span", { class: "expansion muted" }, ` (${expansion})`));
  return out;
}

function abbreviate(text: string): string {
  return text.length > 140 ? `${text.slice(0, 137)}...` : text;
}
