import { fieldRef, type UiRunRow } from '@leakproof/core';
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, ApiError } from '../api';
import { FilterBox } from '../components/filter-box';
import { Badge, ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { flattenParams, num, shortHash, when } from '../format';
import { useUrlState } from '../url-state';

const statuses = ['running', 'finished', 'failed', 'interrupted'] as const;

/** A chosen column: `metrics.k`, `params.a.b` or `tags.k` — the filter language's own names. */
function cell(row: UiRunRow, column: string): string {
  const [scope, ...rest] = column.split('.');
  const key = rest.join('.');
  if (scope === 'metrics') return num(row.metrics[key]);
  if (scope === 'tags') return row.tags[key] ?? '';
  if (scope === 'params') return flattenParams(row.params)[key] ?? '';
  return '';
}

const isNumericColumn = (c: string) => c.startsWith('metrics.');

/** A chosen column as the order-by list must name it: a key such as `train loss` goes in backticks. */
function columnRef(column: string): string {
  const [scope = '', ...rest] = column.split('.');
  return fieldRef(scope, rest.join('.'));
}

function SortHeader({ label, field, order, onSort, numeric }: { label: string; field: string; order: string; onSort: (o: string) => void; numeric?: boolean }) {
  // the field may hold spaces (in backticks), so only a trailing word is a direction
  const dir = / desc$/i.test(order) ? 'desc' : 'asc';
  const active = order.replace(/ (asc|desc)$/i, '') === field;
  const sort = active ? (dir === 'desc' ? 'descending' : 'ascending') : 'none';
  return (
    <th scope="col" aria-sort={sort} class={numeric ? 'num' : undefined}>
      <button type="button" class="sort" onClick={() => onSort(active && dir !== 'desc' ? `${field} desc` : active ? '' : field)}>
        {label}
        <span aria-hidden="true">{active ? (dir === 'desc' ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

export function RunsPage() {
  const [params, update] = useUrlState();
  const [, navigate] = useLocation();
  const filter = params.get('filter') ?? '';
  const order = params.get('order') ?? '';
  const experiment = params.get('experiment') ?? '';
  const status = params.get('status') ?? '';
  const archived = params.get('archived') ?? '';
  const page = Number(params.get('page') ?? '0') || 0;
  const query = { filter, order, experiment, status, archived, page, pageSize: 50 };
  const runs = useData(() => api.runs(query), JSON.stringify(query), { pollMs: 3000 });
  const [selected, setSelected] = useState<Set<number>>(new Set());

  const filterError = runs.error instanceof ApiError && runs.error.body.column !== undefined ? runs.error.body : undefined;
  const data = filterError ? undefined : runs.data;
  const defaultColumns = (data?.keys.metrics ?? []).slice(0, 4).map((k) => `metrics.${k}`);
  const columns = params.has('cols') ? (params.get('cols') ?? '').split(',').filter(Boolean) : defaultColumns;
  const choices = data ? [...data.keys.metrics.map((k) => `metrics.${k}`), ...data.keys.params.map((k) => `params.${k}`), ...data.keys.tags.map((k) => `tags.${k}`)] : [];
  const toggleColumn = (c: string) => update({ cols: (columns.includes(c) ? columns.filter((x) => x !== c) : [...columns, c]).join(',') || ',' }, true);
  const onSort = (o: string) => update({ order: o || undefined, page: undefined });
  const toggleSelected = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const archive = async (row: UiRunRow) => {
    await api.archive(row.id, !row.archived);
    runs.reload();
  };

  return (
    <section>
      <h1>Runs</h1>
      <div class="toolbar">
        <FilterBox value={filter} error={filterError} onSubmit={(f) => update({ filter: f || undefined, page: undefined })} />
        <div class="facets">
          <label>
            Experiment{' '}
            <select value={experiment} onChange={(e) => update({ experiment: (e.target as HTMLSelectElement).value || undefined, page: undefined })}>
              <option value="">all</option>
              {(data?.experiments ?? (experiment ? [experiment] : [])).map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </select>
          </label>
          <label>
            Status{' '}
            <select value={status} onChange={(e) => update({ status: (e.target as HTMLSelectElement).value || undefined, page: undefined })}>
              <option value="">all</option>
              {statuses.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Archived{' '}
            <select value={archived} onChange={(e) => update({ archived: (e.target as HTMLSelectElement).value || undefined, page: undefined })}>
              <option value="">hidden</option>
              <option value="include">shown</option>
            </select>
          </label>
          <details class="columns">
            <summary>Columns ({columns.length})</summary>
            <fieldset>
              <legend>Show columns</legend>
              {choices.length === 0 && <p class="muted">no metrics, params or tags on this page</p>}
              {choices.map((c) => (
                <label key={c} class="check">
                  <input type="checkbox" checked={columns.includes(c)} onChange={() => toggleColumn(c)} /> {c}
                </label>
              ))}
            </fieldset>
          </details>
          <button type="button" disabled={selected.size < 2 || selected.size > 10} onClick={() => navigate(`/compare?ids=${[...selected].join(',')}`)}>
            Compare {selected.size > 0 ? `(${selected.size})` : ''}
          </button>
        </div>
      </div>
      {runs.error && !filterError && <ErrorBox error={runs.error} />}
      {!data && !runs.error && <Loading what="runs" />}
      {data && (
        <>
          <div class="table-wrap">
            <table class="grid runs" aria-label="runs">
              <thead>
                <tr>
                  <th scope="col">
                    <span class="sr-only">select</span>
                  </th>
                  <SortHeader label="id" field="attributes.id" order={order} onSort={onSort} numeric />
                  <SortHeader label="name" field="attributes.name" order={order} onSort={onSort} />
                  <SortHeader label="experiment" field="attributes.experiment" order={order} onSort={onSort} />
                  <SortHeader label="status" field="attributes.status" order={order} onSort={onSort} />
                  <SortHeader label="model" field="attributes.model" order={order} onSort={onSort} />
                  <th scope="col">split</th>
                  <SortHeader label="created" field="attributes.created" order={order} onSort={onSort} />
                  {columns.map((c) => (
                    <SortHeader key={c} label={c} field={columnRef(c)} order={order} onSort={onSort} numeric={isNumericColumn(c)} />
                  ))}
                  <th scope="col">
                    <span class="sr-only">actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((r) => (
                  <tr key={r.id} class={r.archived ? 'archived' : undefined}>
                    <td>
                      <input type="checkbox" aria-label={`select run ${r.id}`} checked={selected.has(r.id)} onChange={() => toggleSelected(r.id)} />
                    </td>
                    <td class="num">{r.id}</td>
                    <td>
                      <Link href={`/runs/${r.id}`}>{r.name}</Link>
                    </td>
                    <td>{r.experiment}</td>
                    <td>
                      <Badge kind={r.status}>{r.status}</Badge>
                    </td>
                    <td>{r.model ?? ''}</td>
                    <td class="mono" title={r.fingerprint}>
                      {r.datasetName} {shortHash(r.fingerprint, 8)}
                    </td>
                    <td class="nowrap">{when(r.createdAt)}</td>
                    {columns.map((c) => (
                      <td key={c} class={isNumericColumn(c) ? 'num' : undefined}>
                        {cell(r, c)}
                      </td>
                    ))}
                    <td>
                      <button type="button" class="link" onClick={() => void archive(r)}>
                        {r.archived ? 'restore' : 'archive'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.rows.length === 0 && <p class="muted">no runs match</p>}
          <nav class="pager" aria-label="pages of runs">
            <button type="button" disabled={page === 0} onClick={() => update({ page: page > 1 ? String(page - 1) : undefined })}>
              ← previous
            </button>
            <span>
              page {page + 1} · {data.rows.length} runs · {num(data.elapsedMs)} ms
            </span>
            <button type="button" disabled={!data.hasMore} onClick={() => update({ page: String(page + 1) })}>
              next →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
