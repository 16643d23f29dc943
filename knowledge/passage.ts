/**
 * A passage is the unit the assistant answers from and cites.
 * Ids follow knowledge/policy/PASSAGES.md: `1`, `1.2`, `1.2.3` for numbered
 * headings and items, `1.2#2` for a heading's own k-th plain paragraph, `0`
 * for everything before the first section.
 */
export interface Passage {
  /** Stable id, e.g. `1.2.3`, `1.2#2`, `0`. */
  readonly id: string;
  /** Short human title, e.g. "Your device information". */
  readonly title: string;
  /** Title of the top-level section the passage sits in ("Collection of your personal information"). */
  readonly sectionTitle: string;
  /** Cleaned passage text, as shown to the user (numbering prefix removed). */
  readonly text: string;
  /** Human label of the id: "Section 1.2(3)", "Section 1.2, paragraph 2", "Introduction". Localised by the parser's `labels` option. */
  readonly label: string;
}

/** A parsed policy document in one language. */
export interface PolicyDocument {
  readonly locale: string;
  readonly title: string;
  /** The update date as ISO `YYYY-MM-DD`, when the document states one. */
  readonly updated?: string;
  readonly passages: readonly Passage[];
}

/** True when `id` equals `ancestor` or lies under it (`1.2.3` and `1.2#2` lie under `1.2`; `1.2` under `1`). */
export function isUnder(id: string, ancestor: string): boolean {
  if (id === ancestor) return true;
  return id.startsWith(ancestor + '.') || id.startsWith(ancestor + '#');
}
