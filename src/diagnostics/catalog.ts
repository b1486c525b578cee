// Every diagnostic code xsm-policy reports, declared once: its severity, how its message is built,
// and one line of help (the TypeScript compiler's diagnosticMessages.json, Cedar's validator
// errors, OPA's error codes). docs/diagnostics.md is generated from this list
// (scripts/gen-diagnostics-doc.ts; a test checks the committed file is current), and the CLI's
// renderer, the library's PolicyError and scenario errors all carry these codes.
//
// A builder takes the parts of the message; a code whose sites word it in several ways (the
// `undeclared` and `duplicate` families follow checkpolicy's many phrasings) takes the sentence.

/** What the catalog gives a code: an error or a warning. */
export type CatalogSeverity = "error" | "warning";

/** A diagnostic's severity: the catalog's, or, for a lint finding, what a config file sets (lint's
 *  `info` and `hint`, LSP's DiagnosticSeverity.Information and .Hint; neither fails a run). */
export type Severity = "error" | "warning" | "info" | "hint";

/** Every severity, most severe first (the order counts are said in). */
export const SEVERITIES: readonly Severity[] = ["error", "warning", "info", "hint"];

/** Which part of the project reports the code: the section of docs/diagnostics.md it is listed in. */
export type Area = "policy text" | "SVP extension" | "booleans" | "XSM" | "binary policy" | "policy tree" | "lint" | "formatter" | "scenario" | "command line";

export interface CatalogEntry<Args extends unknown[] = never[]> {
  readonly severity: CatalogSeverity;
  readonly area: Area;
  readonly help: string;
  readonly message: (...args: Args) => string;
}

const sentence = (text: string): string => text;

function entry<Args extends unknown[]>(severity: CatalogSeverity, area: Area, help: string, message: (...args: Args) => string): CatalogEntry<Args> {
  return { severity, area, help, message };
}

export const CATALOG = {
  // ---- policy text: parse ----
  syntax: entry("error", "policy text", "The text is not policy.conf as checkpolicy's grammar reads it, or a required section is missing or misplaced.", sentence),
  binary: entry("error", "policy text", "The input is a binary file (a compiled policy?), not policy.conf text.", () => "this is a binary file (it contains a NUL byte), not a policy.conf text"),
  "role-dominance": entry(
    "warning",
    "policy text",
    "A role dominance statement (`dominance { role r { role s; } }`): checkpolicy 3.4 accepts it with the warning 'Role dominance has been deprecated'; the dominating role takes the dominated roles' types, and `r1 dom r2`, `domby` and `incomp` constraints compare by it.",
    () => "role dominance has been deprecated (checkpolicy warns so too); it is compiled as checkpolicy compiles it",
  ),
  unsupported: entry("error", "policy text", "A statement checkpolicy accepts but xsm-policy does not model (xperm rules, Linux-only contexts such as `portcon` or `genfscon`, module statements).", sentence),
  "mls-disabled": entry(
    "error",
    "policy text",
    "MLS statements or fields (sensitivity, level, range_transition, a context's level...) in a policy compiled without MLS; reported once, at the first. Compile with -M (--mls), as checkpolicy -M.",
    (what: string, more: number) =>
      `${what} in a non-MLS policy: compile with -M (--mls) to use MLS${more > 0 ? ` (${more} more MLS statement${more === 1 ? "" : "s"} or field${more === 1 ? "" : "s"} follow)` : ""}`,
  ),
  "mls-required": entry("error", "policy text", "An MLS policy (-M) without its MLS declarations, a user without `level` and `range`, or a context without a level.", sentence),
  "mls-level": entry(
    "error",
    "policy text",
    "An MLS level or range that is not valid: a category its sensitivity's `level` statement does not allow, a high level that does not dominate the low one, a default level outside the user's range.",
    sentence,
  ),

  // ---- policy text: resolve ----
  undeclared: entry("error", "policy text", "A name is used that no declaration before it (or anywhere, for types) introduces.", sentence),
  duplicate: entry("error", "policy text", "A name, permission, label or context entry is declared twice; a note points at the first declaration (a role or user declared again is no duplicate: checkpolicy merges them).", sentence),
  reserved: entry("error", "policy text", "`self` is reserved: it names the source type in a rule's target.", () => "self is a reserved name and cannot be declared as a type"),
  "alias-of-alias": entry("error", "policy text", "An alias is given to an alias; checkpolicy wants it on the primary type.", (alias: string) => `${alias} is an alias; give the alias to its type`),
  self: entry(
    "error",
    "policy text",
    "`self` appears where it has no meaning: in a rule's source, or excluded from a set.",
    (excluded: boolean) => (excluded ? "self cannot be excluded" : "self is only allowed in the target of a rule"),
  ),
  set: entry("error", "policy text", "A set operator (*, ~, -) this kind of statement does not allow.", sentence),
  "perm-limit": entry(
    "error",
    "policy text",
    "A class or common with more than 32 permissions: an access vector is 32 bits.",
    (kind: "class" | "common", name: string, count: number, max: number) => `${kind} ${name} has ${count} permissions; an access vector holds at most ${max}`,
  ),
  constraint: entry("error", "policy text", "A constraint expression compares operands checkpolicy does not allow together (u1 with r2, t3 outside validatetrans, ...).", sentence),
  "constraint-class-twice": entry(
    "warning",
    "binary policy",
    "A constrain statement names a class twice: checkpolicy gives the permissions to the class's last node and writes the others with none. Xen loads the binary (those nodes check nothing); libsepol refuses it ('validate_constraint_nodes: Invalid constraint expr'), so checkpolicy -b, setools and audit2why cannot read it. Reading a binary, the same warning names each such node by its offset.",
    sentence,
  ),
  "constraint-extra-perms": entry(
    "warning",
    "binary policy",
    "A binary's constraint node has permission bits past its class's permissions, which checkpolicy never writes. Xen loads the binary (the node constrains the class's permissions among its bits; the others name no permission, so no check asks for them); libsepol refuses it ('validate_constraint_nodes: Invalid constraint expr'), so checkpolicy -b, setools and audit2why cannot read it. Named by its offset.",
    sentence,
  ),
  "validatetrans-perms": entry(
    "warning",
    "binary policy",
    "A binary's validatetrans node has permissions, where checkpolicy writes none. Xen loads the binary and ignores them (security_validate_transition evaluates every validatetrans of the class); libsepol refuses it ('validate_constraint_nodes: Invalid constraint expr'), so checkpolicy -b, setools and audit2why cannot read it. Named by its offset.",
    sentence,
  ),
  "binary-perm-limit": entry(
    "warning",
    "binary policy",
    "A binary's class or common has a permission count over 32, which checkpolicy never writes (perm-limit on the source). Xen's policydb_read takes the count as written (the permissions' values are 1..32 still; for a class Xen's hooks name, validate_classes then shifts by it, undefined in C past 32); libsepol refuses it (class_read and common_read allow at most 32), so checkpolicy -b, setools and audit2why cannot read it. Named by its offset.",
    sentence,
  ),
  "binary-class-defaults": entry(
    "warning",
    "binary policy",
    "A binary's class has a default_user, default_role or default_type over 2, or a default_range over 7, which no default names and checkpolicy never writes. Xen's class_read reads the four defaults and ignores them, so it loads the binary; libsepol refuses it ('validate_class_datum: Invalid class datum'), so checkpolicy -b, setools and audit2why cannot read it. Named by its offset.",
    sentence,
  ),
  "binary-handle-unknown": entry(
    "warning",
    "binary policy",
    "A binary's config word sets both handle_unknown bits, reject and allow, which checkpolicy never writes. Xen reads the allow bit alone (allow_unknown) and loads the binary; libsepol refuses it ('validate_properties: Invalid policy property'), so checkpolicy -b, setools and audit2why cannot read it.",
    sentence,
  ),
  "binary-permissive-map": entry(
    "warning",
    "binary policy",
    "A binary's permissive map sets a bit that names no type (0, or past the types), which checkpolicy never writes. Xen loads the binary (it asks the map only about a check's source type, so no domain is permissive by that bit); libsepol refuses it ('validate_permissives: Invalid permissive type'), so checkpolicy -b, setools and audit2why cannot read it.",
    sentence,
  ),
  "binary-unknown-value": entry(
    "warning",
    "binary policy",
    "A binary names a role or type value no record has (past the roles or types, or a role attribute's value) in a role's dominates or types, a user's roles, a role allow or role transition rule, or a type_attr_map row, which checkpolicy writes only for a role dominating a role attribute. Xen's reader takes it (it checks such values against the count at most) and loads the binary, the message saying what the value then does there; libsepol refuses it, so checkpolicy -b, setools and audit2why cannot read it. Named by its record's offset.",
    sentence,
  ),
  "constraint-no-perms": entry(
    "warning",
    "policy text",
    "A constrain statement whose `~{ ... }` permission set leaves a class none of its permissions: checkpolicy 3.4 warns 'omitting constraint with no permission set' and drops that class's constraint (define_constraint), so it is in no binary and checks nothing.",
    sentence,
  ),
  "svp-unavailable": entry(
    "error",
    "policy text",
    "A `platform` block reached resolve without the platforms stage (a compiler built without it).",
    (platform: string) => `platform ${platform}: the SVP extension is not available in this build`,
  ),
  "invalid-context": entry("error", "policy text", "A context names a role its user may not take, or a type its role may not have.", sentence),
  range: entry(
    "error",
    "policy text",
    "An iomemcon/ioportcon range whose low end exceeds its high end.",
    (noun: string, low: string, high: string) => `low ${noun} ${low} exceeds high ${noun} ${high}`,
  ),
  overlap: entry(
    "error",
    "policy text",
    "An iomemcon/ioportcon range overlaps an earlier one (checkpolicy refuses it).",
    (kind: string, low: string, high: string, earlierLow: string, earlierHigh: string) =>
      `${kind} entry for ${low}-${high} overlaps with earlier entry ${earlierLow}-${earlierHigh}`,
  ),

  // ---- policy text: expand and check ----
  "type-rule-conflict": entry("error", "policy text", "Two type_transition/type_change/type_member rules give one (source, target, class) different types.", sentence),
  "role-transition-conflict": entry("error", "policy text", "Two role_transition rules for one (role, type, class), as checkpolicy's define_role_trans refuses, or two new roles for one once role attributes are expanded (copy_role_trans).", sentence),
  "default-conflict": entry("error", "policy text", "Two default_user/role/type/range rules give one class different values.", sentence),
  bounds: entry("error", "policy text", "A typebounds child allowed more than its parent (libsepol bounds_check_types), or a type given two parents.", sentence),
  neverallow: entry("error", "policy text", "An allow rule grants what a neverallow forbids; the note names the allow rule.", sentence),
  "neverallow-unchecked": entry(
    "warning",
    "policy text",
    "An allow rule grants one of a neverallow's targets other than `self` what it forbids: checkpolicy 3.4 (libsepol assertion.c) reports only the pairs of a type with itself for a neverallow with `self`, and accepts the policy, so xsm does too.",
    sentence,
  ),
  unused: entry("warning", "policy text", "A declaration nothing uses (with `--warnings`): an attribute without types, a boolean no conditional reads.", sentence),

  // ---- the SVP extension ----
  "platform-cycle": entry("error", "SVP extension", "A platform is nested under itself through `guest of`.", (platform: string) => `platform ${platform} is nested under itself`),
  "platform-no-hwdom": entry(
    "warning",
    "SVP extension",
    "A platform without a hwdom: only its ancestors' hardware domains can manage its devices.",
    (platform: string) => `platform ${platform} has no hwdom: only its ancestors' hwdoms can manage its devices`,
  ),
  "not-a-type": entry(
    "error",
    "SVP extension",
    "A platform member names an attribute or alias; members are types.",
    (name: string) => `${name} is an attribute or alias; a platform member must be a type`,
  ),
  "bad-sbdf": entry("error", "SVP extension", "A device member's address is not SSSS:BB:DD.F as Xen's parse_pci reads it.", sentence),

  // ---- booleans ----
  "unknown-boolean": entry("error", "booleans", "A boolean name the policy does not declare.", (name: string) => `unknown boolean ${name}`),
  "bad-boolean": entry("error", "booleans", "A boolean value that is not true or false.", (name: string) => `boolean ${name} must be true or false`),

  // ---- XSM ----
  "xsm-no-flask": entry("error", "XSM", "A policy operation on the dummy module, which has no policy (Xen returns -ENOSYS).", () => "the dummy XSM module has no policy to load"),
  "xsm-no-compiler": entry(
    "error",
    "XSM",
    "Policy text given to an XSM built without a compiler (XsmOptions.compile).",
    (where: "load" | "create") =>
      where === "load" ? "this XSM was built without a policy compiler (XsmOptions.compile)" : "policyText needs XsmOptions.compile to compile it",
  ),
  "xsm-no-policy": entry("error", "XSM", "The flask module was created without a policy.", () => "the flask module needs a policy"),
  "xsm-class": entry(
    "error",
    "XSM",
    "The policy has no class `resource`, which every PCI hook checks (Xen's validate_classes refuses it).",
    () => "the policy has no class resource, which every PCI hook checks (Xen's validate_classes refuses it)",
  ),
  "xsm-isid": entry("error", "XSM", "An initial SID's context is invalid under the policy (policydb_load_isids refuses it).", sentence),
  "xsm-invalidated": entry(
    "warning",
    "XSM",
    "A reload invalidated a context the old policy had given a SID: the new policy lacks one of its names, or (when enforcing) does not accept the combination. The SID reads as unlabeled. Xen logs the same line (with its two spaces) without the reason.",
    (context: string, why: string) => `Flask:  invalidating context ${context} (${why})`,
  ),
  "xsm-invalid-kept": entry(
    "warning",
    "XSM",
    "A reload while permissive kept a SID whose context the new policy does not accept (its names all exist): decisions still use it, security_context_to_sid refuses its text. Xen logs the same line (with its two spaces) without the reason.",
    (context: string, why: string) => `Flask:  context ${context} is invalid (${why})`,
  ),
  "xsm-attribute-context": entry(
    "warning",
    "XSM",
    "A reload converted a SID's context to one whose type the new policy declares as an attribute (Xen's convert_context looks the name up among types and attributes alike; object_r accepts any). Xen keeps the SID and prints nothing. Its decisions reach only the rules keyed on the attribute itself (its type_attr_map row is the attribute alone): not those of other attributes or of the attribute's types, nor a rule naming it with self, -, * or ~ or under `expandattribute A true`, which checkpolicy expands to its types. Constraints apply as to any context; security_context_to_sid refuses its text.",
    (context: string, attribute: string) => `context ${context} now has attribute ${attribute} as its type: only rules keyed on the attribute itself apply to it (Xen prints nothing)`,
  ),
  "xsm-mls-switch": entry("error", "XSM", "A reload cannot switch between an MLS and a non-MLS policy (Xen's policydb_read refuses it).", (wasMls: boolean) =>
    wasMls ? "Cannot switch between MLS and non-MLS policies" : "Cannot switch between non-MLS and MLS policies",
  ),
  "xsm-perm": entry(
    "warning",
    "XSM",
    "Class `resource` lacks a permission a PCI hook asks for; flask denies every such check.",
    (perm: string) => `class resource has no permission ${perm}; flask denies every check for it`,
  ),

  // ---- binary policy (xsm compile -o) ----
  "policy-version": entry("error", "binary policy", "A policy version checkpolicy does not write for Xen, or a policy that does not fit the version.", sentence),
  "version-dropped": entry("warning", "binary policy", "Something the policy version cannot hold, which checkpolicy leaves out too: devicetreecon below version 30 (5 Xen ocontext tables before it), filename type transitions below version 25 (which Xen's loader then does not refuse), default_range glblub below version 32.", sentence),
  "xen-common-prefix": entry("warning", "binary policy", "A class inherits a common, which Xen's loader refuses (an error with --strict).", sentence),
  "xen-empty-avtab": entry("warning", "binary policy", "No unconditional rule at all: Xen's loader refuses an empty rule table (an error with --strict).", sentence),
  "xen-filename-trans": entry("warning", "binary policy", "Filename type transitions, which Xen's loader refuses (an error with --strict).", sentence),
  "initial-sid-order": entry(
    "warning",
    "binary policy",
    "The policy's initial SIDs are not Xen's 13 in Xen's order (xenboot, xen, dom0, domio, domxen, unlabeled, security, ioport, iomem, irq, device, domU, domDM: xen/xsm/flask/policy/initial_sids), each with a context; a policy tree is judged by the initial_sids of the flask files it is built with instead (Xen 4.3-4.5 number 10, xen first; 4.6-4.16 12, with domU and domDM), and a policy.conf m4 wrote by the initial_sids its #line directives name for the declarations. checkpolicy numbers them by declaration and Xen takes them by number, so Xen labels its objects with other contexts, or with none; it loads the policy all the same (a warning even with --strict).",
    sentence,
  ),
  "role-dominates-attribute": entry(
    "warning",
    "binary policy",
    "A role dominates a role attribute (`dominance { role r { role ra; } }`): checkpolicy writes the attribute's value in the role's dominates, though role attributes are not in the binary. Xen loads it (the role dominates none of the attribute's roles); libsepol refuses it, so checkpolicy -b, setools and audit2why cannot read the binary.",
    sentence,
  ),

  // ---- policy tree (xsm build) ----
  m4: entry("error", "policy tree", "The m4 run that expands the tree failed or complained (its warnings stay warnings).", sentence),

  // ---- binary policy input (xsm check/simulate on a .bin) ----
  "binary-format": entry("error", "binary policy", "A binary policy the reader cannot read (bad magic, version, or a truncated or inconsistent table); the offset says where.", sentence),

  // ---- xsm lint (severities can be changed by a config file) ----
  "unused-type": entry("warning", "lint", "A type no TE rule (after attribute expansion), constraint or context covers: it can label nothing that is allowed anything.", sentence),
  "unused-attribute": entry("warning", "lint", "An attribute no rule, role, constraint or context names: only bookkeeping.", sentence),
  "empty-attribute": entry("warning", "lint", "An attribute with no member types: every rule naming it grants nothing.", sentence),
  "unused-boolean": entry("warning", "lint", "A boolean no conditional reads: setting it changes nothing.", sentence),
  "duplicate-rule": entry("warning", "lint", "A rule granting exactly what an earlier rule of the same kind in the same branch grants.", sentence),
  "module-switch": entry(
    "warning",
    "lint",
    "A policy tree's modules.conf line its Makefile skips (not starting with a lowercase letter) or reads otherwise than it looks (`xen=on` is one word to awk; a third word other than `on`), a module listed twice, or a module file modules.conf does not list: the module is left out of the policy, or handed to m4 twice, without a word from make or m4.",
    sentence,
  ),
  "redundant-rule": entry("warning", "lint", "An allow rule whose every permission another rule grants unconditionally for the same source, target and class.", sentence),
  "svp-cross-platform": entry(
    "error",
    "lint",
    "A domain of one SVP platform is granted a permission on another platform's device labels beyond what the nesting allows (an ancestor's hwdom managing a nested platform's devices).",
    sentence,
  ),
  "svp-hwdom-not-domain": entry(
    "error",
    "lint",
    "A platform's hwdom type also labels Xen itself, another initial SID's object or a device (a pirqcon, iomemcon, ioportcon, pcidevicecon or devicetreecon).",
    sentence,
  ),

  // ---- xsm fmt (a file it cannot lay out safely is left as it is; one compile refuses at the syntax
  // level is refused with compile's own codes: syntax, bad-character, limit) ----
  "fmt-carriage-return": entry(
    "error",
    "formatter",
    "A carriage return outside a comment of a policy.conf or modules.conf (Windows line endings): checkpolicy rejects it, so fmt does not lay the file out; one in a comment is read by both. In an m4 source, a CR the build certainly carries into policy.conf is refused with compile's `bad-character`, except in a module modules/modules.conf leaves off, which the build never reads.",
    () => "a carriage return (CR) outside a comment: checkpolicy rejects it ('unrecognized character'); convert the file to LF line endings (dos2unix) first",
  ),
  "fmt-not-policy": entry(
    "error",
    "formatter",
    "A `*.conf` whose first line of code is no policy.conf statement (refpolicy's build.conf, an INI file): fmt reads every `*.conf` but modules.conf as a policy.conf, so it refuses the file; the parser's first error is a note.",
    (line: string, shape: "setting" | "section" | "word") =>
      `this file does not look like a policy.conf: ${
        shape === "setting" ? `'${line}' is a NAME = value setting (as in refpolicy's build.conf)` : shape === "section" ? `'${line}' is an INI section header` : `it starts with '${line}', which starts no policy.conf statement`
      }; xsm fmt reads every *.conf file (but modules.conf) as a policy.conf`,
  ),
  "fmt-unopened": entry(
    "error",
    "formatter",
    "A closing brace with no opening one before it: the nesting fmt indents by is broken. A `)` without its `(` is text fmt lays out as any other; one in a macro call's arguments or a quoted string, a define body among them, is kept as written.",
    (close: "}") => `a '${close}' without its '{'`,
  ),
  "fmt-unclosed": entry(
    "error",
    "formatter",
    "A brace, m4 quote or macro call still open at the end of the file. m4 stops there for a quote (`end of file in string`) and for a `name(` whose name is certainly a macro: an m4 builtin, one Xen's Makefile defines with -D, or one the file defines before it (`end of file in argument list`; m4 never carries arguments on into the next file). A `name(` never closed whose name this file does not make a macro is text to m4 and laid out as such.",
    (what: "brace" | "quote" | "call", name?: string, why?: "builtin" | "makefile" | number) =>
      what === "brace"
        ? "a '{' that is never closed (the file ends inside it)"
        : what === "quote"
          ? "an m4 quote '`' that is never closed: m4 stops at the end of the file ('end of file in string')"
          : name === undefined || why === undefined
            ? "an m4 macro call's parenthesis is never closed"
            : `'${name}(' is never closed, and ${name} is ${
              why === "builtin" ? "an m4 builtin" : why === "makefile" ? "defined on m4's command line by Xen's Makefile (-D)" : `a macro (defined at line ${why})`
            }: m4 collects its arguments to the end of the file and stops there ('end of file in argument list')`,
  ),
  "fmt-unsafe": entry(
    "error",
    "formatter",
    "The layout would change more than blanks (a formatter bug): the file is left as it is.",
    () => "the layout would change more than blanks; the file is left as it is",
  ),

  // ---- command line ----
  input: entry("error", "command line", "A file or argument the command cannot use (missing, unreadable, too large, not text).", sentence),
  "permission-map": entry(
    "error",
    "command line",
    "A permission map (setools' format, `xsm flow -m`) that seinfoflow would refuse: a count, class line, direction (r, w, b, n, u) or weight (1-10) it cannot read; as a warning, a map that ends before the classes or permissions it declares.",
    sentence,
  ),
  "invalid-query": entry("error", "command line", "A `check` question names a context, class or permission the policy does not have (oracle-decide's words).", sentence),

  // ---- scenario files (JSON-path locations) ----
  "scenario-file": entry("error", "scenario", "The scenario file cannot be read, is not JSON, or gives a key twice in one object.", sentence),
  "scenario-schema": entry("error", "scenario", "The scenario does not match scenario.schema.json at this path.", sentence),

  // ---- reliability: bytes, limits, checkpolicy's accept set ----
  "bad-character": entry("error", "policy text", "A character checkpolicy's scanner does not recognize outside a comment (CR, a byte-order mark, NUL, a control character, anything not ASCII or not UTF-8, a `\"` that opens no quoted name: none closing it on its line, `\"\"`, a '/' after its first character); inside a comment it is accepted. checkpolicy reports it, skips it and reads on, so an error after it is reported too.", sentence),
  "checkpolicy-limit": entry("warning", "policy text", "The file is read, but checkpolicy rejects it because of a C buffer (flex's YYLMAX: a line of 8,191 bytes or more).", sentence),
  "line-directive": entry("warning", "policy text", "A `#line` directive whose number xsm cannot follow: `#line 0` (checkpolicy's unsigned counter wraps to 18446744073709551615 and stays there, warning 'source line number overflow'), a number past 2^64 - 1 (its 'source line number too big') or one whose lines pass 2^53 - 1, past a JavaScript number. xsm numbers the lines after it as if it were not there; the warning names the line checkpolicy gives the next one.", sentence),
  limit: entry("error", "policy text", "The policy is past one of the library's input limits (CompileOptions.limits: text length, name length, statements).", sentence),
  "pirq-truncated": entry("warning", "policy text", "A pirqcon number past 16 bits: libsepol keeps a pirq in 16 bits, and so does xsm.", sentence),
  name: entry("error", "policy text", "A name checkpolicy does not allow here (periods in booleans and aliases).", sentence),
  tunable: entry("error", "policy text", "A conditional mixes tunables and booleans, which checkpolicy cannot compile.", sentence),
  expandattribute: entry("warning", "policy text", "An attribute is given expandattribute true and false; checkpolicy resolves it to false.", sentence),
  "too-many": entry("error", "policy text", "More diagnostics than are listed: the first ones are shown, the rest counted.", sentence),
  "scenario-limit": entry("error", "scenario", "A scenario past a limit: nested too deeply, or more errors than are listed.", sentence),
  scenario: entry("error", "scenario", "The scenario is well formed but wrong: an unknown domain or boolean, a policy that does not compile, a context the policy rejects.", sentence),
} as const;

export type DiagnosticCode = keyof typeof CATALOG;

/** The message arguments of a code's builder. */
export type MessageArgs<C extends DiagnosticCode> = Parameters<(typeof CATALOG)[C]["message"]>;
