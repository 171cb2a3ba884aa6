// one label for the CLI and the dashboard: the function lives in core
export { thresholdRuleLabel } from '@leakproof/core';
