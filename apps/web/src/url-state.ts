import { useLocation, useSearch } from 'wouter-preact';

/** Page state kept in the query string, so a view (filter, columns, sort, page) can be shared as a link. */
export function useUrlState(): [URLSearchParams, (changes: Record<string, string | undefined>, replace?: boolean) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const update = (changes: Record<string, string | undefined>, replace = false) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    const s = next.toString();
    navigate(location + (s ? '?' + s : ''), { replace });
  };
  return [params, update];
}
