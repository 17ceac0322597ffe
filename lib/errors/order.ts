/**
 * The one order of names in output: by UTF-16 code unit, as JavaScript's default sort and Python's `sorted` on str
 * order them. Not locale-aware, so files, scopes and messages come out the same on every machine and locale.
 */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
