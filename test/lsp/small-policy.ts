// A small policy.conf with one statement of each shape the selection and inlay tests walk: a class
// before and after its permissions, a common, a set, an `if`, roles and users, an initial SID with
// and without its context. The line numbers in the comments are the tests' (0-based).
export const SMALL_POLICY = [
  "class c", // 0
  "class d",
  "sid s",
  "common x { a b }",
  "class c inherits x { p q }",
  "class d { r }", // 5
  "attribute vm;",
  "type t, vm;",
  "type u, vm;",
  "bool b true;",
  "if (b) {", // 10
  "  allow vm t:c { p q };",
  "}",
  "role r;",
  "role r types { t u };",
  "user s_u roles r;", // 15
  "sid s s_u:r:t",
  "",
].join("\n");
