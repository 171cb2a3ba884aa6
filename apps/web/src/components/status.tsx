import type { ComponentChildren } from 'preact';

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">loading {what}…</p>;
}

export function ErrorBox({ error }: { error: Error }) {
  return (
    <p class="error" role="alert">
      {error.message}
    </p>
  );
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${kind}`}>{children}</span>;
}

/** Key/value rows; values are text (registry strings are never HTML). */
export function KeyValues({ rows, diff }: { rows: [string, ComponentChildren][]; diff?: Set<string> }) {
  if (rows.length === 0) return <p class="muted">none</p>;
  return (
    <table class="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k} class={diff?.has(k) ? 'diff' : undefined}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
