import { type ReactNode, useState } from 'react';
import { ApiError } from './api';
import type { StatusBucket } from './format';
import { bucket } from './format';

/** An API error in words, where it happened. */
export function ErrorText({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  const text =
    error instanceof ApiError ? error.describe() : error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {prefix ? `${prefix}: ` : ''}
      {text}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const b: StatusBucket | 'other' = ['pending', 'online', 'offline', 'revoked'].includes(status)
    ? status === 'revoked'
      ? 'offline'
      : (status as StatusBucket)
    : bucket(status as never);
  return <span className={`badge badge-${b}`}>{status}</span>;
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setDone('copied');
        } catch {
          setDone('failed');
        }
        setTimeout(() => setDone('idle'), 2000);
      }}
    >
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Select and copy by hand' : label}
    </button>
  );
}

/** A value to copy: shown in full, selectable, with its button. */
export function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div className="secret">
      <span className="secret-label">{label}</span>
      <code className="secret-value" data-testid={`secret-${label.toLowerCase().replace(/\W+/g, '-')}`}>
        {value}
      </code>
      <CopyButton text={value} label={`Copy ${label.toLowerCase()}`} />
    </div>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </header>
  );
}

export function Stat({ label, value, hint }: { label: string; value: ReactNode; hint?: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}
