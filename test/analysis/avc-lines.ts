// Broken and odd avc lines, each one line of a log for test/fixtures/analysis/why-roleattr.conf,
// asked of audit2why and audit2allow (scripts/gen-avc-lines-fixtures.ts records their answers in
// test/fixtures/analysis/avc-lines.json; test/analysis/avc-lines.test.ts holds xsm to them).
const good = "avc:  denied  { kexec } for domid=0 scontext=system_u:dom0:dom0_t tcontext=system_u:vm:xen_t tclass=xen";

export const AVC_LINES: { name: string; line: string }[] = [
  { name: "good", line: good },
  { name: "empty tclass", line: good.replace("tclass=xen", "tclass=") },
  { name: "no tclass", line: good.replace(" tclass=xen", "") },
  { name: "empty permission list", line: good.replace("{ kexec }", "{ }") },
  { name: "empty permission list, granted", line: good.replace("denied  { kexec }", "granted  { }") },
  { name: "unclosed permission list", line: good.replace("{ kexec }", "{ kexec") },
  { name: "scontext without role and type", line: good.replace("scontext=system_u:dom0:dom0_t", "scontext=system_u") },
  { name: "empty scontext", line: good.replace("scontext=system_u:dom0:dom0_t", "scontext=") },
  { name: "unknown class", line: good.replace("tclass=xen", "tclass=nosuch") },
  { name: "unknown permission", line: good.replace("{ kexec }", "{ nosuch }") },
  { name: "granted", line: good.replace("denied", "granted") },
  { name: "cut after 'for'", line: good.slice(0, good.indexOf(" domid")) },
  { name: "cut inside scontext", line: good.slice(0, good.indexOf("dom0_t") + 2) },
  { name: "avc: alone", line: "avc:" },
  { name: "'{' ends the line", line: "avc:  denied  {" },
  { name: "tclass twice", line: `${good} tclass=xen` },
  { name: "domid not a number", line: good.replace("domid=0", "domid=abc") },
  { name: "(XEN) prefix", line: `(XEN) ${good}` },
  { name: "timestamp and (XEN) prefix", line: `[   12.345] (XEN) ${good}` },
  { name: "MLS range in a non-MLS policy", line: good.replace("scontext=system_u:dom0:dom0_t", "scontext=system_u:dom0:dom0_t:s0") },
  { name: "unknown user, role and type", line: good.replace("scontext=system_u:dom0:dom0_t", "scontext=nosuch_u:nosuch_r:nosuch_t") },
  { name: "two records on one line", line: `(XEN) ${good} (XEN) ${good.replace("{ kexec }", "{ writeconsole }")}` },
  { name: "braces against the permission", line: good.replace("{ kexec }", "{kexec}") },
  { name: "odd spacing: tabs, doubled spaces", line: `\t(XEN)   ${good.replace(/ /g, "  ").replace("{  kexec  }", "{\tkexec\t}")}  ` },
];

/** The lines audit2why reads (merging two records into one denial) or drops without a word where
 *  xsm reports a located error, and why. */
export const XSM_REJECTS: Record<string, string> = {
  "two records on one line": "audit2why merges the records' permissions under the last one's contexts",
  "braces against the permission": "audit2why drops the line without a word",
};
