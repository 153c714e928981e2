/**
 * The long form of a diagnostic, for `ibc explain CODE` (as `rustc --explain`):
 * what the check is about, an example that triggers it, and how to fix it.
 * Each stage's file is keyed by the catalog's message names, so a code
 * without an explanation fails type-checking.
 */
export interface Explanation {
  /** One or more paragraphs: why ibc reports this and what it means. */
  readonly explanation: string;
  /** A spec fragment, command line or situation that triggers it. */
  readonly example: string;
  /** How to make it go away. */
  readonly fix: string;
}
