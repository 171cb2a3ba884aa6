/**
 * A bare key segment of the run filter language (the registry's tokenizer reads it, and every client that writes
 * a field reference for a user — the dashboard's sortable columns — writes it): a letter or underscore, then
 * letters, digits, `_ - / :`. Any other key, e.g. MLflow's `train loss` or `acc@1`, is written in backticks.
 */
export const filterWordPattern = '[A-Za-z_][A-Za-z0-9_\\-/:]*';
const bareSegment = new RegExp(`^${filterWordPattern}$`);

/** `scope.key` as the filter language reads it back: bare where every dot-separated segment is a word. */
export function fieldRef(scope: string, key: string): string {
  if (key.split('.').every((segment) => bareSegment.test(segment))) return `${scope}.${key}`;
  return `${scope}.\`${key.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
