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
}

export type ParsedLine = { kind: "other" } | { kind: "avc"; avc: AvcLine } | { kind: "malformed"; message: string };

const AVC_TOKENS = new Set(["avc:", "message=avc:", "msg='avc:"]);

export function parseAvcLine(text: string, line: number, newline: boolean): ParsedLine {
  const recs = text.split(/\s+/).filter((s) => s !== "");
  if (!recs.some((r) => AVC_TOKENS.has(r))) return { kind: "other" };
  const perms: string[] = [];
  let denied = true;
  let scontext: string | undefined;
  let tcontext: string | undefined;
  let tclass: string | undefined;
  let sawAccess = false;
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r === "{") {
      if (i === recs.length - 1) return { kind: "malformed", message: "'{' ends the line: no permissions" };
      let j = i + 1;
      while (j < recs.length && recs[j] !== "}") perms.push(recs[j++]!);
      if (j === recs.length) return { kind: "malformed", message: "no '}' closes the permission list" };
      sawAccess = true;
      i = j;
      continue;
    }
    if (r === "granted") denied = false;
    const fields = r.split("=");
    if (fields.length !== 2) continue;
    if (fields[0] === "scontext") scontext = fields[1];
    else if (fields[0] === "tcontext") tcontext = fields[1];
    else if (fields[0] === "tclass") tclass = fields[1];
  }
  const missing = [!sawAccess && "{ permissions }", scontext === undefined && "scontext=", tcontext === undefined && "tcontext=", tclass === undefined && "tclass="].filter(Boolean);
  if (missing.length > 0) return { kind: "malformed", message: `avc line without ${missing.join(", ")}` };
  for (const [what, ctx] of [["scontext", scontext!], ["tcontext", tcontext!]] as const) {
    // refpolicy.SecurityContext needs user:role:type[:level]
    if (ctx.split(":").length < 3) return { kind: "malformed", message: `${what} '${ctx}' is not user:role:type` };
  }
  return { kind: "avc", avc: { line, text, newline, denied, perms, scontext: scontext!, tcontext: tcontext!, tclass: tclass! } };
}
