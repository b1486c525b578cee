// A small, valid Xen policy.conf around the statements a test is about, so each test shows only
// what it exercises. Line numbers: the TE statements start on line TE_LINE.
export interface PolicyParts {
  te?: string;
  constraints?: string;
  contexts?: string;
}

export const TE_LINE = 14;

export function policyText({ te = "", constraints = "", contexts = "" }: PolicyParts = {}): string {
  return `class xen
class resource
sid xen
sid device
common basic { getattr setattr }
class xen inherits basic { a b }
class resource { plug unplug use add }
attribute domains;
attribute devices;
type dom0_t, domains;
type domU_t, domains;
type dev_t alias dev_alias_t, devices;
type dev2_t, devices;
${te}
role system_r;
role system_r types { domains };
role vm_r;
role vm_r types { domU_t };
user system_u roles { system_r vm_r };
user vm_u roles { vm_r };
${constraints}
sid xen system_u:system_r:dom0_t
sid device system_u:object_r:dev_t
${contexts}
`;
}
