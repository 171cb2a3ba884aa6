import { useEffect, useState } from 'preact/hooks';

interface Props {
  value: string;
  onSubmit: (filter: string) => void;
  /** the server's FilterSyntaxError: message and 1-based column */
  error?: { message: string; column?: number | undefined } | undefined;
}

/**
 * The registry's filter language in a monospace box; a syntax error is drawn as a caret under the exact
 * character (same font and padding as the input, so column n lines up with the nth character).
 */
export function FilterBox({ value, onSubmit, error }: Props) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const column = error?.column;
  const firstLine = error?.message.split('\n')[0] ?? '';
  return (
    <form
      class="filter"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(text.trim());
      }}
    >
      <label for="filter-input">Filter</label>
      <div class="filter-field">
        <input
          id="filter-input"
          class="mono"
          type="text"
          spellcheck={false}
          autocomplete="off"
          placeholder="metrics.recall >= 0.95 and params.model = 'resnet-s'"
          value={text}
          aria-invalid={error ? 'true' : 'false'}
          aria-describedby={error ? 'filter-error' : undefined}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        {error && column !== undefined && (
          <div class="caret mono" aria-hidden="true" data-column={column}>
            {' '.repeat(Math.max(0, column - 1)) + '^'}
          </div>
        )}
      </div>
      <button type="submit">Apply</button>
      {error && (
        <p id="filter-error" class="error filter-error" role="alert">
          {firstLine}
        </p>
      )}
    </form>
  );
}
