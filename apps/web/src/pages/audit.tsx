import { noFindingsSentence, type UiFinding } from '@leakproof/core';
import { api } from '../api';
import { AllowForm } from '../components/allow-form';
import { Badge, ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { fixed, shortHash, when } from '../format';

function Thumb({ url, path, split }: { url: string | null; path: string | null; split: string }) {
  return (
    <figure class="thumb">
      {url ? <img src={url} alt={path ?? ''} width={160} height={160} loading="lazy" /> : <div class="no-image">no image</div>}
      <figcaption>
        <span class="badge">{split}</span> <span class="mono small">{path ?? ''}</span>
      </figcaption>
    </figure>
  );
}

function Pair({ auditId, f }: { auditId: number; f: UiFinding }) {
  return (
    <li class={`pair sev-${f.severity}`} data-kind={f.kind}>
      <div class="pair-images">
        <Thumb url={f.imageA} path={f.pathA} split={f.splitA} />
        <Thumb url={f.imageB} path={f.pathB} split={f.splitB} />
      </div>
      <p>
        <Badge kind={f.severity}>{f.severity}</Badge> <strong>{f.kind}</strong>
        {f.score !== null && <> · score {fixed(f.score)}</>}
        {f.distance !== null && <> · distance {f.distance}</>}
        {f.patient && <> · patient <span class="mono">{f.patient}</span></>}
      </p>
      <p class="small">{f.detail}</p>
      {f.allowedBecause ? <p class="ok small">allowed: {f.allowedBecause}</p> : <AllowForm auditId={auditId} finding={f} />}
    </li>
  );
}

export function AuditPage({ id }: { id: number }) {
  const audit = useData(() => api.audit(id), String(id));
  if (audit.error) return <ErrorBox title={`Audit ${id}`} error={audit.error} />;
  if (!audit.data) return <Loading title={`Audit ${id}`} what={`audit ${id}`} />;
  const a = audit.data;
  const kinds = [...new Set(a.findings.map((f) => f.kind))];
  const classes = [...new Set(Object.values(a.classes).flatMap((c) => Object.keys(c)))].sort();
  return (
    <section>
      <h1>
        Audit {a.id} of {a.datasetName} <Badge kind={a.verdict}>{a.verdict}</Badge>
      </h1>
      <p>
        fingerprint <span class="mono">{shortHash(a.fingerprint, 16)}</span> · policy <span class="mono">{shortHash(a.policyHash, 8)}</span> · {a.toolVersion} · {when(a.createdAt)} ·
        root <span class="mono">{a.datasetRoot}</span>
      </p>
      <h2>Splits</h2>
      <table class="grid compact" aria-label="splits">
        <thead>
          <tr>
            <th scope="col">split</th>
            <th scope="col" class="num">
              images
            </th>
            <th scope="col" class="num">
              patients
            </th>
            {classes.map((c) => (
              <th key={c} scope="col" class="num">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {a.splits.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td class="num">{s.images}</td>
              <td class="num">{s.patients}</td>
              {classes.map((c) => (
                <td key={c} class="num">
                  {a.classes[s.name]?.[c] ?? ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Findings</h2>
      {a.findings.length === 0 && <p class={a.splits.length >= 2 ? 'ok' : undefined}>{noFindingsSentence(a.splits.map((s) => s.name))}</p>}
      {kinds.map((kind) => {
        const group = a.findings.filter((f) => f.kind === kind);
        return (
          <details key={kind} open class="finding-group">
            <summary>
              <strong>{kind}</strong> · {group.length} finding{group.length === 1 ? '' : 's'}
              {kind === 'patient' && ' (the same patient in more than one split)'}
            </summary>
            <ul class="pairs">
              {group.slice(0, 60).map((f) => (
                <Pair key={f.id} auditId={a.id} f={f} />
              ))}
            </ul>
            {group.length > 60 && <p class="muted">{group.length - 60} more not shown; `leakproof audit --format html` lists every one</p>}
          </details>
        );
      })}
    </section>
  );
}
