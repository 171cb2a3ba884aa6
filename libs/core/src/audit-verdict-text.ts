/**
 * What an audit without findings says, in every report and on the dashboard. With fewer than two splits nothing
 * was compared, which "no leakage found" would hide: someone who audits only ROOT/train has not audited the split
 * they will test on.
 */
export function noFindingsSentence(splitNames: readonly string[]): string {
  if (splitNames.length >= 2) return 'No leakage found between splits.';
  return `Only one split (${splitNames.join('') || 'none'}): there is nothing to leak between yet. Audit the folder that holds every split; the validation and held-out parts that train and demo carve from one split are audited when they are carved.`;
}
