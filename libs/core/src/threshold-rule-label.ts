/**
 * Evaluations store the evaluator's whole threshold choice as JSON (rule, target, value, what it achieved on
 * validation); tables and the dashboard show just the rule, e.g. "target-recall 0.975".
 */
export function thresholdRuleLabel(stored: string): string {
  try {
    const choice = JSON.parse(stored) as { rule?: unknown; target?: unknown };
    if (typeof choice.rule !== 'string') return stored;
    return typeof choice.target === 'number' ? `${choice.rule} ${choice.target}` : choice.rule;
  } catch {
    return stored;
  }
}
