import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { type AuditEntry, get } from '../api';
import { dateTime } from '../format';
import { Empty, ErrorText, Loading, PageHeader } from '../ui';

const PAGE = 100;

function brief(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = JSON.stringify(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function AuditPage() {
  const [sensitive, setSensitive] = useState(false);
  const [offset, setOffset] = useState(0);
  const q = useQuery({
    queryKey: ['audit', sensitive, offset],
    queryFn: () =>
      get<{ items: AuditEntry[]; total: number }>(
        `/api/v1/audit?limit=${PAGE}&offset=${offset}${sensitive ? '&sensitive=true' : ''}`,
      ),
  });
  return (
    <section>
      <PageHeader title="Audit log">
        <label className="check">
          <input
            type="checkbox"
            checked={sensitive}
            onChange={(e) => {
              setSensitive(e.target.checked);
              setOffset(0);
            }}
          />
          Only wallet and pool changes
        </label>
      </PageHeader>
      <ErrorText error={q.error} prefix="Could not load the audit log" />
      {q.isPending ? (
        <Loading what="the audit log" />
      ) : q.data?.items.length === 0 ? (
        <Empty title="Nothing recorded yet">
          Every change to users, tokens, sentries, ASICs, templates and playbooks is listed here.
        </Empty>
      ) : (
        <>
          <div className="scroll-x">
            <table className="audit">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>What</th>
                  <th>Change</th>
                </tr>
              </thead>
              <tbody>
                {(q.data?.items ?? []).map((e) => (
                  <tr key={e.id} className={e.sensitive ? 'sensitive' : ''}>
                    <td className="nowrap">{dateTime(e.at)}</td>
                    <td>
                      {e.actor} <span className="muted">({e.actorType})</span>
                    </td>
                    <td>
                      {e.sensitive ? <span className="badge badge-warning">wallet/pool</span> : null}{' '}
                      {e.action}{' '}
                      <span className="muted">
                        {e.entityType}
                        {e.entityId ? ` ${e.entityId.slice(0, 8)}` : ''}
                      </span>
                    </td>
                    <td className="wrap">
                      {e.before !== null && e.before !== undefined ? (
                        <div>
                          <span className="muted">before </span>
                          <code>{brief(e.before)}</code>
                        </div>
                      ) : null}
                      {e.after !== null && e.after !== undefined ? (
                        <div>
                          <span className="muted">after </span>
                          <code>{brief(e.after)}</code>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="actions">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              Newer
            </button>
            <span className="muted">
              {offset + 1}–{offset + (q.data?.items.length ?? 0)} of {q.data?.total ?? 0}
            </span>
            <button
              type="button"
              disabled={offset + PAGE >= (q.data?.total ?? 0)}
              onClick={() => setOffset(offset + PAGE)}
            >
              Older
            </button>
          </div>
        </>
      )}
    </section>
  );
}
