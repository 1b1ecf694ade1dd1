/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';

/** A read-only value with a Copy button (shown by /assets/app.js when the clipboard is available). */
export const CopyField: FC<{ id: string; label: string; value: string }> = ({ id, label, value }) => (
  <div class="field">
    <label for={id}>{label}</label>
    <div class="copy-row">
      <input id={id} class="mono secret" value={value} readonly />
      <button type="button" class="button copy" data-copy={id} hidden>
        Copy
      </button>
    </div>
  </div>
);

/** An id shown as text with a Copy button beside it (the same script shows the button). */
export const CopyText: FC<{ id: string; label: string; value: string }> = ({ id, label, value }) => (
  <span class="copy-text">
    <code id={id}>{value}</code>
    <button type="button" class="button small copy" data-copy={id} hidden>
      Copy<span class="visually-hidden"> the {label}</span>
    </button>
  </span>
);
