// Hover text: what the compiled policy says about a name. A type: its attributes, aliases and how
// many rules cover it; an attribute: its member types; a class: its permissions; a permission: its
// class; a boolean: its default and the conditionals that read it; a platform: its domains and
// device labels.
import type { PlatformDecl } from "../policy/ast.js";
import type { Slot } from "./context.js";
import type { NamesModel } from "./model.js";
import type { NameKind } from "../policy/name-index.js";
import { sortedHas } from "../policy/typeset.js";

const LIST_MAX = 40;

function list(names: readonly string[]): string {
  if (names.length === 0) return "none";
  const shown = names
    .slice(0, LIST_MAX)
    .map((n) => `\`${n}\``)
    .join(", ");
  return names.length > LIST_MAX ? `${shown} and ${names.length - LIST_MAX} more` : shown;
}

const plural = (n: number, one: string, more: string): string => (n === 1 ? one : more);

export function describe(
  sym: NamesModel | undefined,
  platforms: readonly PlatformDecl[],
  name: string,
  kind: NameKind | undefined,
  slot: Slot,
): string | undefined {
  const platform = platforms.find((p) => p.name.name === name);
  if (platform && (kind === "platform" || kind === undefined)) {
    const of = (k: string) => platform.members.filter((m) => m.kind === k).map((m) => m.type.name);
    const devices = platform.members
      .filter((m) => m.kind === "device")
      .map((m) => `\`${m.type.name}\` { ${m.devices.map((d) => d.text).join(" ")} }`);
    const parent = platform.parent ? ` of \`${platform.parent.name}\`` : "";
    return [
      `**platform** \`${name}\` (${platform.level}${parent})`,
      `- hwdom: ${list(of("hwdom"))}`,
      `- guests: ${list(of("guest"))}`,
      `- device labels: ${devices.length ? devices.join(", ") : "none"}`,
    ].join("\n");
  }
  if (!sym) return undefined;
  if (kind === "perm" || (kind === undefined && slot.kind === "perm")) {
    const owners = sym.classes.filter((c) => c.perms.includes(name)).map((c) => c.name);
    if (owners.length === 0) return undefined;
    const chosen =
      slot.kind === "perm" && owners.includes(slot.className) ? slot.className : undefined;
    return chosen
      ? `**permission** \`${name}\` of class \`${chosen}\``
      : `**permission** \`${name}\` of ${plural(owners.length, "class", "classes")} ` +
          list(owners);
  }
  const typeId = sym.typeIds.get(name);
  if (typeId !== undefined && (kind === undefined || kind === "type" || kind === "alias")) {
    const t = sym.types[typeId]!;
    const attrs = sym.attrs.filter((x) => sortedHas(x.members, typeId)).map((x) => x.name);
    const rules = sym.ruleCounts?.[typeId];
    const lines = [
      t.name === name ? `**type** \`${name}\`` : `**alias** \`${name}\` of type \`${t.name}\``,
      `- attributes: ${list(attrs)}`,
      `- aliases: ${list(t.aliases)}`,
    ];
    if (rules !== undefined)
      lines.push(
        `- named by ${rules} ${plural(rules, "rule", "rules")} ` +
          "(allow, auditallow, dontaudit; attributes expanded)",
      );
    return lines.join("\n");
  }
  const attrId = sym.attrIds.get(name);
  if (attrId !== undefined) {
    const members = [...sym.attrs[attrId]!.members].map((t) => sym.types[t]!.name);
    const types = `${members.length} ${plural(members.length, "type", "types")}`;
    return `**attribute** \`${name}\`: ${types}\n- ${list(members)}`;
  }
  const classId = sym.classIds.get(name);
  if (classId !== undefined) {
    const c = sym.classes[classId]!;
    const inherits = c.common ? ` (inherits \`${c.common}\`)` : "";
    return `**class** \`${name}\`${inherits}: ${c.perms.length} permissions\n- ${list(c.perms)}`;
  }
  const boolId = sym.boolIds.get(name);
  if (boolId !== undefined) {
    const b = sym.bools[boolId]!;
    const conds = sym.conds.filter((c) => c.bools.includes(boolId));
    const where = conds.map((c) => `- \`if (${c.text})\` at line ${c.line}`);
    return [
      `**boolean** \`${name}\`, default ${b.value}`,
      `read by ${conds.length} conditional${conds.length === 1 ? "" : "s"}`,
      ...where.slice(0, LIST_MAX),
    ].join("\n");
  }
  const roleId = sym.roleIds.get(name);
  if (roleId !== undefined) return `**role** \`${name}\`: ${sym.roles[roleId]!.types} types`;
  const userId = sym.userIds.get(name);
  if (userId !== undefined) {
    const roles = sym.users[userId]!.roles.map((r) => sym.roles[r]!.name);
    return `**user** \`${name}\`: roles ${list(roles)}`;
  }
  return mlsDescribe(sym, name, kind);
}

/** A sensitivity: its place in `dominance` and the categories its `level` allows; a category:
 *  the sensitivities whose `level` allows it. An alias says whose it is. */
function mlsDescribe(
  sym: NamesModel,
  name: string,
  kind: NameKind | undefined,
): string | undefined {
  const sensId = sym.sensIds?.get(name);
  if (sensId !== undefined && (kind === undefined || kind === "sensitivity")) {
    const s = sym.sens![sensId]!;
    return [
      s.name === name
        ? `**sensitivity** \`${name}\``
        : `**alias** \`${name}\` of sensitivity \`${s.name}\``,
      `- dominance: ${s.order ? `${s.order} of ${sym.sens!.length}, lowest first` : "not placed"}`,
      `- aliases: ${list(s.aliases)}`,
      `- categories its level allows: ${s.cats ? list(s.cats) : "no level statement"}`,
    ].join("\n");
  }
  const catId = sym.catIds?.get(name);
  if (catId !== undefined && (kind === undefined || kind === "category")) {
    const c = sym.cats![catId]!;
    const at = sym.sens!.filter((s) => s.cats?.includes(c.name)).map((s) => s.name);
    return [
      c.name === name
        ? `**category** \`${name}\``
        : `**alias** \`${name}\` of category \`${c.name}\``,
      `- aliases: ${list(c.aliases)}`,
      `- allowed at: ${list(at)}`,
    ].join("\n");
  }
  return undefined;
}
