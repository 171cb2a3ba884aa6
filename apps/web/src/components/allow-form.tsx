import type { UiAllowResponse, UiFinding } from '@leakproof/core';
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';

/**
 * "Allow with a reason": first shows the exact policy change (the allowlist entry and the whole file as it
 * would be written); writes leakproof.policy.json only after a second, explicit confirmation.
 */
export function AllowForm({ auditId, finding }: { auditId: number; finding: UiFinding }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [preview, setPreview] = useState<UiAllowResponse | null>(null);
  const [error, setError] = useState('');
  const ask = async (confirm: boolean) => {
    setError('');
    try {
      setPreview(await api.allow(auditId, { findingId: finding.id, reason, confirm }));
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    }
  };
  if (!open)
    return (
      <button type="button" class="link" onClick={() => setOpen(true)}>
        allow with a reason…
      </button>
    );
  return (
    <form
      class="allow"
      onSubmit={(e) => {
        e.preventDefault();
        void ask(false);
      }}
    >
      <label>
        reason{' '}
        <input type="text" value={reason} required minLength={3} size={40} placeholder="e.g. same child, different studies; reviewed by …" onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>{' '}
      <button type="submit">show the policy change</button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {preview && (
        <div class="policy-preview">
          <p>
            {preview.written ? 'written to' : 'add to the allowlist of'} <span class="mono">{preview.policyFile}</span>:
          </p>
          <pre class="mono">{JSON.stringify(preview.entry, null, 2)}</pre>
          <details>
            <summary>the whole file after the change</summary>
            <pre class="mono">{preview.policyText}</pre>
          </details>
          {!preview.written && (
            <button type="button" class="danger" onClick={() => void ask(true)}>
              write {preview.policyFile} now
            </button>
          )}
          {preview.written && <p class="ok">written; commit it, then re-run the audit.</p>}
        </div>
      )}
    </form>
  );
}
