import { Link } from 'wouter-preact';
import { api } from '../api';
import { Badge, ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { shortHash, when } from '../format';

export function AuditsPage() {
  const audits = useData(() => api.audits(), 'audits');
  if (audits.error) return <ErrorBox title={'Audits'} error={audits.error} />;
  if (!audits.data) return <Loading title={'Audits'} what="audits" />;
  return (
    <section>
      <h1>Audits</h1>
      <div class="table-wrap">
        <table class="grid" aria-label="audits">
          <thead>
            <tr>
              <th scope="col" class="num">
                id
              </th>
              <th scope="col">dataset</th>
              <th scope="col">verdict</th>
              <th scope="col">fingerprint</th>
              <th scope="col">splits</th>
              <th scope="col">audited</th>
            </tr>
          </thead>
          <tbody>
            {audits.data.map((a) => (
              <tr key={a.id}>
                <td class="num">
                  <Link href={`/audits/${a.id}`}>{a.id}</Link>
                </td>
                <td>
                  <Link href={`/audits/${a.id}`}>{a.datasetName}</Link>
                </td>
                <td>
                  <Badge kind={a.verdict}>{a.verdict}</Badge>
                </td>
                <td class="mono">{shortHash(a.fingerprint)}</td>
                <td>{a.splits.map((s) => `${s.name} ${s.images}`).join(' · ')}</td>
                <td class="nowrap">{when(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {audits.data.length === 0 && <p class="muted">no audits yet: leakproof audit path/to/dataset</p>}
    </section>
  );
}
