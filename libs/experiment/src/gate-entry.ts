/** The merge gate and lock file without the trainer and tfjs the main entry pulls in (`leakproof gate`, `audit --update-lock`). */
export { resolvePolicy, runGate, type GateAuditInput, type GateDataset, type GateInput, type GateOutcome, type GateProblem, type GateResult } from './gate.js';
export { lockEntryFor, lockPassingAudit, type LockEntry, type LockUpdate } from './lock-file.js';
