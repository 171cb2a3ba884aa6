import type { UiAuditSummary } from '@leakproof/core';
import { Link } from 'wouter-preact';
import { api } from '../api';
import { Badge, ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { shortHash, when } from '../format';

function AuditCell({ audit, none }: { audit: UiAuditSummary | null; none: string }) {
  if (!audit) return <span class="muted">{none}</span>;
  return (
    <>
      <Link href={`/audits/${audit.id}`}>audit {audit.id}</Link> <Badge kind={audit.verdict}>{audit.verdict}</Badge> <span class="mono">{shortHash(audit.fingerprint)}</span>{' '}
      <span class="nowrap">{when(audit.createdAt)}</span>
    </>
  );
}

export function GatePage() {
  const gate = useData(() => api.gate(), 'gate');
  if (gate.error) return <ErrorBox title={'Gate'} error={gate.error} />;
  if (!gate.data) return <Loading title={'Gate'} what="gate" />;
  const g = gate.data;
  return (
    <section>
      <h1>
        Gate <Badge kind={g.passed ? 'pass' : 'fail'}>{g.passed ? 'would pass' : 'would fail'}</Badge>
      </h1>
      <p class="muted">{g.checks}</p>
      <p>
        config <span class="mono">{g.configFile}</span> · lock <span class="mono">{g.lockFile}</span>
      </p>
      <div class="table-wrap">
        <table class="grid" aria-label="gated datasets">
          <thead>
            <tr>
              <th scope="col">dataset</th>
              <th scope="col">path</th>
              <th scope="col">locked fingerprint</th>
              <th scope="col">audit of the data as it is now</th>
              <th scope="col">latest audit of the name</th>
              <th scope="col">gate</th>
              <th scope="col">why</th>
            </tr>
          </thead>
          <tbody>
            {g.datasets.map((d) => (
              <tr key={d.name}>
                <td>{d.name}</td>
                <td class="mono">{d.path}</td>
                <td class="mono">{d.lockedFingerprint ? shortHash(d.lockedFingerprint) : 'none'}</td>
                <td>
                  <AuditCell audit={d.currentAudit} none="none recorded" />
                </td>
                <td>
                  <AuditCell audit={d.latestAudit} none="never audited" />
                </td>
                <td>
                  <Badge kind={d.passed ? 'pass' : 'fail'}>{d.passed ? 'pass' : 'fail'}</Badge>
                </td>
                <td>
                  <ul class="plain">
                    {d.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                    {d.notes.map((n) => (
                      <li key={n} class="muted">
                        {n}
                      </li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
