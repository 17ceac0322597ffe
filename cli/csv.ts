/** CSV as spreadsheets read it (RFC 4180), for `who` and `report`: definitions are hostile input. */

/**
 * One field: quoted when it holds a comma, quote or line break; a field a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR) is prefixed with a quote mark, as OWASP's CSV-injection advice says.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: ReadonlyArray<string | number | boolean | null | undefined>): string {
  return values.map(csvField).join(",");
}
