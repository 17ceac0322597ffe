/**
 * The URL of a Pulumi file backend in `dir`, as the README recommends it ("When `pulumi up` is cut short").
 * `?metadata=skip`: Pulumi's file backend writes through gocloud's fileblob, which otherwise rewrites a sidecar
 * `<stack>.json.attrs` beside every checkpoint by truncating it first; a run killed in that instant leaves it empty,
 * and every later command on the stack fails with "failed to load checkpoint: EOF".
 */
export function fileBackendUrl(dir: string): string {
  return `file://${dir}?metadata=skip`;
}
