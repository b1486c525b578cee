// The panels that report on the open policy: the status line (errors or "compiles", its size and
// how long it took), the diagnostics list (each a link to its line) and the outline of its names.
import { byteLocation, noteText, type Span } from "../../diagnostics/diagnostic.js";
import { fill, h } from "./dom.js";
import type { PolicyState } from "./policy-state.js";
import type { PolicyIndex } from "./symbols.js";

export interface PanelHost {
  /** Shows a span of the open policy in the editor. */
  reveal(span: Span): void;
  /** The line a diagnostic is marked at: a tree's, of the file it names; a policy.conf's, of the
   *  editor's text (spans are #line-mapped). */
  lineOf(span: Span): number;
  /** The policy is a tree (diagnostics then name its file, which a click opens). */
  tree: boolean;
}

export function renderStatus(el: HTMLElement, state: PolicyState, ms: number): void {
  const errors = state.diagnostics.filter((d) => d.severity === "error").length;
  const s = state.policy?.stats;
  fill(el, h("span", { class: `pill ${errors ? "bad" : "good"}` }, errors ? `${errors} error${errors > 1 ? "s" : ""}` : "compiles"), s ? ` ${s.types} types · ${s.attributes} attributes · ${s.allow} allow rules · ${ms.toFixed(0)} ms` : "");
}

export function renderDiagnosticList(el: HTMLElement, { diagnostics, file }: PolicyState, host: PanelHost): void {
  if (!diagnostics.length) return fill(el, h("div", { class: "clean" }, `${file}: no diagnostics`));
  fill(
    el,
    h(
      "ul",
      {},
      diagnostics.map((d) =>
        h(
          "li",
          { class: `diag ${d.severity}`, "data-line": d.span ? String(host.lineOf(d.span)) : "", ...(host.tree && d.span ? { "data-file": d.span.file } : {}), "data-code": d.code, onclick: () => d.span && host.reveal(d.span) },
          h("span", { class: `sev ${d.severity}` }, d.severity),
          h("span", { class: "loc mono" }, d.span ? `${d.span.file}:${d.span.line}:${d.span.col}` : d.byteSpan ? byteLocation(d.byteSpan) : file),
          h("span", { class: "msg" }, d.message),
          h("span", { class: "code mono" }, d.code),
          (d.notes ?? []).map((n) => h("div", { class: "note" }, "note: ", n.span ? h("span", { class: "loc mono" }, `${n.span.file}:${n.span.line}`) : null, " ", noteText(n))),
        ),
      ),
    ),
  );
}

/** The outline of the last index that parsed (a binary's: of its listing, from its symbol tables). */
export function renderOutline(el: HTMLElement, index: PolicyIndex | undefined, reveal: (span: Span) => void, binary: boolean): void {
  if (!index) return fill(el, h("p", { class: "muted" }, binary ? "(no outline: the binary does not load)" : "(no outline until it parses)"));
  fill(
    el,
    index.outline.map((g) =>
      h(
        "details",
        { open: g.title === "Platforms" || g.title === "Classes" || g.items.length <= 12, "data-group": g.title },
        h("summary", {}, g.title, h("span", { class: "count" }, String(g.items.length))),
        h("ul", {}, g.items.map((i) => h("li", { style: `padding-left:${0.6 + i.depth * 0.8}rem`, ...(i.title ? { title: i.title } : {}), onclick: () => reveal(i.span) }, i.name, i.note ? h("span", { class: "muted" }, ` ${i.note}`) : null))),
      ),
    ),
  );
}
