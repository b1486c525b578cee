// `npm run bench -- --rows WORD[,WORD...]`: run only the rows whose name contains one of the words
// (case-insensitive), to time one figure again without the whole section. Sections that build
// their rows from named cases (compile, the process tables, decisions) ask wantRow before doing a
// row's work; a section with no wanted row prints an empty table.
let words: string[] | undefined;

export function setRowFilter(list: readonly string[] | undefined): void {
  words = list && list.length > 0 ? list.map((w) => w.toLowerCase()) : undefined;
}

/** Is the row (or case) named `name` wanted in this run? Every row when no --rows was given. */
export function wantRow(name: string): boolean {
  if (words === undefined) return true;
  const n = name.toLowerCase();
  return words.some((w) => n.includes(w));
}

export function rowFilterNote(): string | undefined {
  return words === undefined ? undefined : `--rows ${words.join(",")}: only the rows whose name contains one of these.`;
}

/** The --rows words in force (for a child process that applies the same filter), or undefined. */
export function rowFilterWords(): readonly string[] | undefined {
  return words;
}
