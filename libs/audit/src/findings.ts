import type { ImageRecord } from '@leakproof/ingest';
import type { Policy } from './policy.js';
import type { Finding } from './report-schema.js';

/**
 * Two images found to be the same radiograph, by bytes, by pixels or by verified near-duplicate search; or a
 * candidate pair whose verification failed (`unverified`, with the reason): it is neither proven the same nor
 * proven different, so it is reported and the policy decides (fail closed by default).
 */
export type MatchedPair =
  /** distance: blockhash Hamming distance, −1 when the descriptor index (not blockhash) proposed the pair */
  | { a: number; b: number; kind: 'exact' | 'pixel' | 'near'; score: number; distance: number }
  | { a: number; b: number; kind: 'unverified'; reason: string; distance: number };

export interface WithinSplitGroup {
  split: string;
  kind: 'exact' | 'pixel' | 'near';
  paths: string[];
}

const severityRank = { fail: 0, warn: 1, info: 2 } as const;
const kindWords = { exact: 'identical bytes', pixel: 'identical decoded pixels', near: 'the same radiograph after an edit' } as const;

/**
 * Turns matched pairs and patient IDs into findings under the policy: cross-split pairs are leaks,
 * pairs with different labels are conflicts anywhere, same-split same-label pairs are information only.
 */
export function buildFindings(images: readonly ImageRecord[], pairs: MatchedPair[], policy: Policy): { findings: Finding[]; withinSplitDuplicates: WithinSplitGroup[] } {
  const findings: Finding[] = [];
  const allowedPairs = new Map<string, string>();
  for (const p of policy.allowlist.pairs) {
    allowedPairs.set(`${p.a}\n${p.b}`, p.reason);
    allowedPairs.set(`${p.b}\n${p.a}`, p.reason);
  }
  const allowedPatients = new Map(policy.allowlist.patients.map((p) => [p.patient, p.reason]));
  const within = new Map<string, WithinSplitGroup>();

  for (const pair of pairs) {
    if (pair.kind === 'unverified') {
      const finding = unverifiedFinding(images, pair, policy, allowedPairs);
      if (finding) findings.push(finding);
      continue;
    }
    let [ra, rb] = [images[pair.a] as ImageRecord, images[pair.b] as ImageRecord];
    if (ra.split > rb.split || (ra.split === rb.split && ra.path > rb.path)) [ra, rb] = [rb, ra];
    const allowed = allowedPairs.get(`${ra.path}\n${rb.path}`);
    const base = { splitA: ra.split, splitB: rb.split, pathA: ra.path, pathB: rb.path, score: round(pair.score), ...(pair.distance >= 0 ? { distance: pair.distance } : {}), labelA: ra.label, labelB: rb.label };
    if (ra.split !== rb.split) {
      const action = policy.checks[pair.kind];
      if (action !== 'off') {
        findings.push(withAllowance({ ...base, kind: pair.kind, severity: action, detail: `${ra.path} (${ra.split}) and ${rb.path} (${rb.split}): ${kindWords[pair.kind]}${pair.kind === 'near' ? ` (similarity ${base.score}${pair.distance >= 0 ? `, ${pair.distance}/256 bits` : ''})` : ''}` }, allowed));
      }
    }
    if (ra.label !== rb.label) {
      const action = policy.checks['label-conflict'];
      if (action !== 'off') {
        findings.push(withAllowance({ ...base, kind: 'label-conflict', severity: action, detail: `${kindWords[pair.kind]} labelled '${ra.label}' (${ra.path}) and '${rb.label}' (${rb.path})` }, allowed));
      }
    } else if (ra.split === rb.split) {
      const key = `${ra.split}\n${pair.kind}\n${ra.path}`;
      const group = within.get(key) ?? { split: ra.split, kind: pair.kind, paths: [ra.path] };
      if (!group.paths.includes(rb.path)) group.paths.push(rb.path);
      within.set(key, group);
    }
  }

  if (policy.checks.patient !== 'off') findings.push(...patientFindings(images, policy.checks.patient, allowedPatients));

  findings.sort(
    (x, y) =>
      severityRank[x.severity] - severityRank[y.severity] ||
      x.kind.localeCompare(y.kind) ||
      `${x.splitA}${x.splitB}${x.pathA ?? ''}${x.pathB ?? ''}${x.patient ?? ''}`.localeCompare(`${y.splitA}${y.splitB}${y.pathA ?? ''}${y.pathB ?? ''}${y.patient ?? ''}`),
  );
  return { findings, withinSplitDuplicates: [...within.values()] };
}

/** Only pairs whose verdict matters (across splits, or labelled differently) are worth a finding. */
function unverifiedFinding(images: readonly ImageRecord[], pair: Extract<MatchedPair, { kind: 'unverified' }>, policy: Policy, allowedPairs: Map<string, string>): Finding | undefined {
  const action = policy.checks.unverified;
  let [ra, rb] = [images[pair.a] as ImageRecord, images[pair.b] as ImageRecord];
  if (ra.split > rb.split || (ra.split === rb.split && ra.path > rb.path)) [ra, rb] = [rb, ra];
  if (action === 'off' || (ra.split === rb.split && ra.label === rb.label)) return undefined;
  return withAllowance(
    {
      kind: 'unverified',
      severity: action,
      splitA: ra.split,
      splitB: rb.split,
      pathA: ra.path,
      pathB: rb.path,
      ...(pair.distance >= 0 ? { distance: pair.distance } : {}),
      labelA: ra.label,
      labelB: rb.label,
      detail: `${ra.path} (${ra.split}) and ${rb.path} (${rb.split}) look alike but could not be compared: ${pair.reason}`,
      reason: pair.reason,
    },
    allowedPairs.get(`${ra.path}\n${rb.path}`),
  );
}

function patientFindings(images: readonly ImageRecord[], action: 'fail' | 'warn', allowed: Map<string, string>): Finding[] {
  const bySplit = new Map<string, Map<string, ImageRecord[]>>();
  for (const r of images) {
    if (!r.patient) continue;
    const splits = bySplit.get(r.patient) ?? new Map<string, ImageRecord[]>();
    splits.set(r.split, [...(splits.get(r.split) ?? []), r]);
    bySplit.set(r.patient, splits);
  }
  const out: Finding[] = [];
  for (const [patient, splits] of bySplit) {
    const names = [...splits.keys()].sort();
    for (let x = 0; x < names.length; x++) {
      for (let y = x + 1; y < names.length; y++) {
        const a = splits.get(names[x] as string) as ImageRecord[];
        const b = splits.get(names[y] as string) as ImageRecord[];
        out.push(
          withAllowance(
            {
              kind: 'patient',
              severity: action,
              splitA: names[x] as string,
              splitB: names[y] as string,
              patient,
              pathA: a[0]?.path,
              pathB: b[0]?.path,
              detail: `patient ${patient} has ${a.length} image(s) in ${names[x]} and ${b.length} in ${names[y]}`,
            },
            allowed.get(patient),
          ),
        );
      }
    }
  }
  return out;
}

function withAllowance(finding: Finding, reason: string | undefined): Finding {
  return reason === undefined ? finding : { ...finding, severity: 'info', allowedBecause: reason };
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
