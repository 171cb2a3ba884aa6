import type { ComponentChildren } from 'preact';

/** While a page loads: its title and a status line (tests wait for the status line to go). */
export function Loading({ what, title }: { what: string; title?: string }) {
  return (
    <Titled title={title}>
      <p class="muted" role="status">
        loading {what}…
      </p>
    </Titled>
  );
}

export function ErrorBox({ error, title }: { error: Error; title?: string }) {
  return (
    <Titled title={title}>
      <p class="error" role="alert">
        {error.message}
      </p>
    </Titled>
  );
}

/** A status line alone, or as the body of its page's section when the page's title is known. */
function Titled({ title, children }: { title: string | undefined; children: ComponentChildren }) {
  if (!title) return <>{children}</>;
  return (
    <section>
      <h1>{title}</h1>
      {children}
    </section>
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

/** Many short key/value pairs (params) in newspaper columns, so 40 params fit on one screen. */
export function KeyValueColumns({ rows }: { rows: [string, string][] }) {
  if (rows.length === 0) return <p class="muted">none</p>;
  return (
    <div class="kv-grid" role="list">
      {rows.map(([k, v]) => (
        <div key={k} role="listitem">
          <span>{k}</span>
          <span class="mono">{v}</span>
        </div>
      ))}
    </div>
  );
}
