// Adds language shapes gen-policy does not write to one of its policies (for the live campaign,
// test/oracle/shapes.oracle.test.ts): dotted names (hierarchy bounds), aliases, an inherit-only
// class, typebounds, permissive types, attributes in every rule position, type_change/type_member,
// role attributes, role_transition, default_* rules, class sets, validatetrans, constraints over
// attributes and role/user sets (a class sometimes named twice), complex booleans, expandattribute.
// Deterministic.
export function prng(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export function addShapes(conf: string, seed: number): string {
  const rnd = prng(seed * 31 + 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const lines = conf.split("\n");
  const classes: { name: string; perms: string[]; common?: string }[] = [];
  const commons = new Map<string, string[]>();
  const types: string[] = [];
  const attrs: string[] = [];
  const bools: string[] = [];
  for (const l of lines) {
    let m = /^common (\S+) \{ ([^}]*) \}/.exec(l);
    if (m) commons.set(m[1]!, m[2]!.trim().split(/\s+/));
    m = /^class (\S+) (?:inherits (\S+) )?\{ ([^}]*) \}/.exec(l);
    if (m) classes.push({ name: m[1]!, perms: [...m[3]!.trim().split(/\s+/), ...(m[2] ? commons.get(m[2])! : [])], common: m[2] });
    m = /^type ([\w.-]+)[,; ]/.exec(l);
    if (m) types.push(m[1]!);
    m = /^attribute (\S+);/.exec(l);
    if (m) attrs.push(m[1]!);
    m = /^bool (\S+) /.exec(l);
    if (m) bools.push(m[1]!);
  }
  const hasCommon = commons.size > 0;
  const perms = (c: { perms: string[] }) => {
    const set = new Set<string>();
    const n = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) set.add(pick(c.perms));
    return [...set];
  };
  const permText = (ps: string[]) => (ps.length === 1 ? ps[0]! : `{ ${ps.join(" ")} }`);

  // odd names
  const oddTypes = ["odd", "odd.one_t", "odd-two_t", "odd-two_t.x-y_t", "z9_t"];
  const oddAttr = ["odd.attr", "odd-attr2"];
  const oddBool = chance(0.7) ? ["odd_bool", "odd-bool2"] : [];
  const extraClass = chance(0.5) && hasCommon ? "emptyish" : undefined; // inherit-only class
  const decl: string[] = [];
  const rules: string[] = [];
  const roleRules: string[] = [];
  const cons: string[] = [];
  for (const a of oddAttr) decl.push(`attribute ${a};`);
  for (const t of oddTypes) {
    const as = t.includes(".") ? [] : attrs.filter(() => chance(0.2));
    if (chance(0.5) && !t.includes(".")) as.push(pick(oddAttr));
    decl.push(`type ${t}${chance(0.3) ? ` alias ${t.replace(/[.-]/g, "_")}_al` : ""}${as.length ? `, ${as.join(", ")}` : ""};`);
  }
  if (chance(0.5)) decl.push(`typeattribute ${pick(oddTypes.filter((t) => !t.includes(".")))} ${pick(attrs)}, ${pick(oddAttr)};`);
  if (chance(0.5)) decl.push(`typealias ${pick(types)} alias { al_a${seed % 10} al-b };`);
  for (const b of oddBool) decl.push(`bool ${b} ${chance(0.5)};`);
  const allBools = [...bools, ...oddBool];
  const allTypes = [...types, ...oddTypes.filter((t) => !t.includes("."))];
  const allAttrs = [...attrs, ...oddAttr];
  // type bounds: a fresh child with a subset of its parent's rules (none), bounded by a type
  if (chance(0.6)) {
    decl.push(`type bndchild_t;`);
    decl.push(`typebounds ${pick(types)} bndchild_t;`);
    decl.push(`role system_r types bndchild_t;`);
  }
  if (chance(0.4)) decl.push(`permissive ${pick(allTypes)};`);
  const allClasses = extraClass ? [...classes, { name: extraClass, perms: commons.get([...commons.keys()][0]!)! }] : classes;
  // a type expression in any position
  const texpr = (self: boolean, noNeg = false): string => {
    const r = noNeg ? rnd() * 0.75 : rnd();
    if (r < 0.3) return pick(allTypes);
    if (r < 0.55) return pick(allAttrs);
    if (r < 0.65 && self) return "self";
    if (r < 0.75) return `{ ${pick(allAttrs)} -${pick(allTypes)} }`;
    if (r < 0.88) return `{ ${pick(allAttrs)} ${pick(allAttrs)} -${pick(allTypes)} -${pick(allTypes)} }`;
        return `{ ${pick(allTypes)} ${pick(allAttrs)} ${pick(allTypes)} }`;
  };
  const nRules = 5 + Math.floor(rnd() * 15);
  for (let i = 0; i < nRules; i++) {
    const kind = pick(["allow", "allow", "auditallow", "dontaudit", "type_transition", "type_change", "type_member"]);
    if (kind.startsWith("type_")) {
      const c = pick(allClasses);
      const cs = chance(0.2) ? `{ ${c.name} ${pick(allClasses).name} }` : c.name;
      rules.push(`${kind} ${texpr(false, true)} ${texpr(false, true)}:${cs} ${pick(allTypes)};`);
      continue;
    }
    if (chance(0.25)) {
      const c1 = pick(allClasses);
      const c2 = pick(allClasses);
      const shared = c1.perms.filter((p) => c2.perms.includes(p));
      if (shared.length > 0 && c1 !== c2) {
        rules.push(`${kind} ${texpr(false)} ${texpr(true)}:{ ${c1.name} ${c2.name} } ${pick(shared)};`);
        continue;
      }
    }
    const c = pick(allClasses);
    const r = rnd();
    const ps = r < 0.1 ? "*" : r < 0.2 ? `~${permText(perms(c))}` : permText(perms(c));
    rules.push(`${kind} ${texpr(false)} ${texpr(true)}:${c.name} ${ps};`);
  }
  // complex conditionals
  const bexpr = (d: number): string => {
    if (d === 0 || chance(0.35)) return pick(allBools);
    const op = pick(["&&", "||", "^", "==", "!="]);
    if (chance(0.2)) return `!(${bexpr(d - 1)})`;
    return `(${bexpr(d - 1)} ${op} ${bexpr(d - 1)})`;
  };
  if (allBools.length > 0) {
    for (let i = 0; i < 2 + Math.floor(rnd() * 3); i++) {
      const c = pick(allClasses);
      const body = [`  allow ${texpr(false)} ${texpr(true)}:${c.name} ${permText(perms(c))};`];
      if (chance(0.4)) body.push(`  type_transition ${texpr(false, true)} ${texpr(false, true)}:${pick(allClasses).name} ${pick(allTypes)};`);
      if (chance(0.3)) body.push(`  dontaudit ${texpr(false)} ${texpr(true)}:${c.name} ${permText(perms(c))};`);
      const els = chance(0.4) ? ` else {\n  auditallow ${texpr(false)} ${texpr(true)}:${c.name} ${permText(perms(c))};\n}` : "";
      rules.push(`if (${bexpr(3)}) {\n${body.join("\n")}\n}${els}`);
    }
  }
  // roles: a role attribute, role allow, role_transition, a dotted role
  if (chance(0.6)) {
    roleRules.push(`attribute_role ra_one;`);
    roleRules.push(`role rodd-1;`);
    roleRules.push(`role rodd-1 types { ${pick(oddTypes)} ${pick(allAttrs)} };`);
    roleRules.push(`roleattribute rodd-1 ra_one;`);
    if (chance(0.5)) roleRules.push(`allow system_r ra_one;`);
    if (chance(0.5)) roleRules.push(`role_transition system_r ${pick(allTypes)}:${pick(allClasses).name} rodd-1;`);
  }
  // constraints over attributes, role and user sets; validatetrans
  const cexpr = (d: number): string => {
    if (d > 0 && chance(0.3)) return `( ${cexpr(d - 1)} ${pick(["and", "or"])} ${cexpr(d - 1)} )`;
    if (d > 0 && chance(0.1)) return `not ( ${cexpr(d - 1)} )`;
    const r = rnd();
    if (r < 0.3) return `t1 ${pick(["==", "!="])} { ${pick(allAttrs)} ${pick(allTypes)} }`;
    if (r < 0.45) return `t2 == ${pick(allAttrs)}`;
    if (r < 0.55) return `r1 ${pick(["==", "!=", "dom", "domby", "incomp"])} r2`;
    if (r < 0.65) return `r2 == { system_r vm_r }`;
    if (r < 0.75) return `u1 ${pick(["==", "!="])} u2`;
    if (r < 0.85) return `u2 != { system_u }`;
    return `t1 == t2`;
  };
  for (let i = 0; i < 1 + Math.floor(rnd() * 3); i++) {
    const c = pick(allClasses);
    // a second class only when it has every permission picked (define_constraint looks each up
    // in each class); sometimes the same class twice (a node per name, libsepol writes both)
    const c2 = pick(allClasses);
    const ps = perms(c);
    const classes = chance(0.2) && ps.every((p) => c2.perms.includes(p)) ? `{ ${c.name} ${c2.name} }` : c.name;
    cons.push(`constrain ${classes} ${permText(ps)} ${cexpr(2)};`);
  }
  if (chance(0.5)) {
    const c = pick(allClasses);
    const vt = () => (chance(0.5) ? `t3 == ${pick(allAttrs)}` : `( u1 == u2 or t3 != { ${pick(allTypes)} } )`);
    cons.push(`validatetrans ${c.name} ${vt()};`);
  }

  // expandattribute (on its own generator, so the shapes above stay as they were recorded)
  const rnd2 = prng(seed * 53 + 11);
  if (rnd2() < 0.5) decl.push(`expandattribute ${allAttrs[Math.floor(rnd2() * allAttrs.length)]} true;`);

  const out: string[] = [];
  let placedDecl = false, placedRoles = false, placedCons = false, placedDefaults = false;
  let lastUser = -1;
  lines.forEach((l, i) => { if (/^user /.test(l)) lastUser = i; });
  lines.forEach((l, i) => {
    if (extraClass && /^sid /.test(l) && !out.some((x) => x === `class ${extraClass}`)) out.push(`class ${extraClass}`);
    if (!placedDefaults && /^(sensitivity|attribute|type|typeattribute|typealias|bool) /.test(l)) {
      if (extraClass) out.push(`class ${extraClass} inherits ${[...commons.keys()][0]}`);
      if (chance(0.5)) out.push(`default_user ${pick(allClasses).name} ${pick(["source", "target"])};`);
      if (chance(0.5)) out.push(`default_role ${pick(allClasses).name} ${pick(["source", "target"])};`);
      if (chance(0.5)) out.push(`default_type ${pick(allClasses).name} ${pick(["source", "target"])};`);
      placedDefaults = true;
    }
    if (!placedDecl && /^(allow|auditallow|dontaudit|neverallow|if|type_transition|type_change|type_member|role) /.test(l)) {
      out.push(...decl, ...rules);
      placedDecl = true;
    }
    if (!placedRoles && /^user /.test(l)) {
      out.push(...roleRules);
      placedRoles = true;
    }
    out.push(l);
    if (!placedCons && i === lastUser) {
      out.push(...cons);
      placedCons = true;
    }
  });
  return out.join("\n");
}
