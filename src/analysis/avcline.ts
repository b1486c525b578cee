// Xen's avc lines as `xl dmesg` prints them (xen/xsm/flask/avc.c avc_audit: "avc:  denied  { perms }
// for domid=... scontext=... tcontext=... tclass=..."), with or without the "(XEN)" prefix and a
// timestamp, read the way sepolgen's audit parser reads them (audit.py AVCMessage): the line is
// split on whitespace, a token "avc:" makes it an avc line, "{ ... }" holds the permissions and
// scontext=, tcontext=, tclass= must all be there.

export interface AvcLine {
  /** 1-based line number in the log. */
  line: number;
  /** The line as read, without its line ending. */
  text: string;
  /** Did the line end with a newline (audit2why echoes the line as read)? */
  newline: boolean;
  denied: boolean;
  perms: string[];
  scontext: string;
  tcontext: string;
  tclass: string;
  /** 1-based columns of the tokens a diagnostic points at: each permission, scontext=, tcontext=,
   *  tclass= (the last one of each, as it is the one read). */
  cols: { perms: number[]; scontext: number; tcontext: number; tclass: number };
}

/** A malformed line's `col` is its offending token's 1-based column, or the column after the line's
 *  last token when what is missing would go there. */
export type ParsedLine = { kind: "other" } | { kind: "avc"; avc: AvcLine } | { kind: "malformed"; message: string; col: number };

const AVC_TOKENS = new Set(["avc:", "message=avc:", "msg='avc:"]);

export function parseAvcLine(text: string, line: number, newline: boolean): ParsedLine {
  // the same tokens as splitting on whitespace, with where each starts
  const recs: string[] = [];
  const at: number[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    recs.push(m[0]);
    at.push(m.index + 1);
  }
  const avcs = recs.flatMap((r, i) => (AVC_TOKENS.has(r) ? [i] : []));
  if (avcs.length === 0) return { kind: "other" };
  // two records run together (a console line cut short by another CPU's): sepolgen would merge
  // their permissions under the last record's contexts, a denial no one saw
  if (avcs.length > 1) return { kind: "malformed", message: "a second avc record starts here (two console lines run together): each must be a line of its own", col: at[avcs[1]!]! };
  const end = recs.length === 0 ? 1 : at[recs.length - 1]! + recs[recs.length - 1]!.length;
  const perms: string[] = [];
  const permCols: number[] = [];
  const cols = { scontext: 0, tcontext: 0, tclass: 0 };
  let denied = true;
  let scontext: string | undefined;
  let tcontext: string | undefined;
  let tclass: string | undefined;
  let sawAccess = false;
  let braceCol = 0;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r === "{") {
      if (i === recs.length - 1) return { kind: "malformed", message: "'{' ends the line: no permissions", col: at[i]! };
      let j = i + 1;
      while (j < recs.length && recs[j] !== "}") {
        permCols.push(at[j]!);
        perms.push(recs[j++]!);
      }
      if (j === recs.length) return { kind: "malformed", message: "no '}' closes the permission list", col: at[i]! };
      sawAccess = true;
      braceCol = at[i]!;
      i = j;
      continue;
    }
    if (r === "granted") denied = false;
    const fields = r.split("=");
    if (fields.length !== 2) continue;
    if (fields[0] === "scontext") [scontext, cols.scontext] = [fields[1], at[i]!];
    else if (fields[0] === "tcontext") [tcontext, cols.tcontext] = [fields[1], at[i]!];
    else if (fields[0] === "tclass") [tclass, cols.tclass] = [fields[1], at[i]!];
  }
  // `{kexec}`: sepolgen reads a brace only as a token of its own
  const glued = recs.findIndex((r) => r !== "{" && r !== "}" && (r.startsWith("{") || r.endsWith("}")));
  if (!sawAccess && glued >= 0) {
    const tok = recs[glued]!;
    return { kind: "malformed", message: `'${tok}': a brace must stand apart from the permissions, as Xen writes '{ ${tok.replace(/[{}]/g, "")} }'`, col: at[glued]! };
  }
  const missing = [!sawAccess && "{ permissions }", scontext === undefined && "scontext=", tcontext === undefined && "tcontext=", tclass === undefined && "tclass="].filter(Boolean);
  if (missing.length > 0) return { kind: "malformed", message: `avc line without ${missing.join(", ")}`, col: end };
  // sepolgen reads "{ }" as no access; a denial's then fails AccessVector.from_list, and with it
  // the whole run of audit2why and audit2allow (a grant's is never made an access vector)
  if (denied && perms.length === 0) return { kind: "malformed", message: "a denial's '{ }' holds no permission", col: braceCol };
  for (const [what, ctx] of [["scontext", scontext!], ["tcontext", tcontext!]] as const) {
    // refpolicy.SecurityContext needs user:role:type[:level]
    if (ctx.split(":").length < 3) return { kind: "malformed", message: `${what} '${ctx}' is not user:role:type`, col: cols[what] };
  }
  return { kind: "avc", avc: { line, text, newline, denied, perms, scontext: scontext!, tcontext: tcontext!, tclass: tclass!, cols: { perms: permCols, ...cols } } };
}
