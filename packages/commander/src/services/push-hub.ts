import { randomUUID } from 'node:crypto';
import type { PushServerMessage, SentryCommandName } from '@mrm/protocol';
import type { WebSocket } from 'ws';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { currentDesiredState } from './desired-state.js';

/**
 * Connected sentries' push sockets. The commander uses them to say "your desired state changed"
 * at once (the minute poll remains the fallback) and to deliver commands.
 */
export class PushHub {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly lastRevision = new Map<string, number>();
  private ctx: AppContext | undefined;
  private readonly waiting = new Map<string, (r: { ok: boolean; output: string }) => void>();

  attach(ctx: AppContext) {
    this.ctx = ctx;
  }

  add(sentryId: string, ws: WebSocket) {
    const set = this.sockets.get(sentryId) ?? new Set<WebSocket>();
    this.sockets.set(sentryId, set);
    set.add(ws);
  }

  remove(sentryId: string, ws: WebSocket) {
    const set = this.sockets.get(sentryId);
    if (!set) return;
    set.delete(ws);
    if (!set.size) {
      this.sockets.delete(sentryId);
      this.lastRevision.delete(sentryId);
    }
  }

  isConnected(sentryId: string): boolean {
    return (this.sockets.get(sentryId)?.size ?? 0) > 0;
  }

  connectedIds(): string[] {
    return [...this.sockets.keys()];
  }

  send(sentryId: string, message: PushServerMessage): boolean {
    const set = this.sockets.get(sentryId);
    if (!set?.size) return false;
    const text = JSON.stringify(message);
    for (const ws of set) ws.send(text);
    if (message.type === 'desired-state-changed' || message.type === 'welcome')
      this.lastRevision.set(sentryId, message.revision);
    return true;
  }

  /** Sends a command; the sentry answers with a command-result carrying the same id. */
  sendCommand(
    sentryId: string,
    command: SentryCommandName,
    args: Record<string, unknown>,
    id: string = randomUUID(),
  ): boolean {
    return this.send(sentryId, { type: 'command', id, command, args });
  }

  /**
   * Sends a command and waits for its result (the ASIC check behind "add an ASIC"). Rejects when
   * the sentry is not connected or does not answer within `timeoutMs`.
   */
  request(
    sentryId: string,
    command: SentryCommandName,
    args: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<{ ok: boolean; output: string }> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the sentry did not answer within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.waiting.set(id, (r) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(r);
      });
      if (!this.sendCommand(sentryId, command, args, id)) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(new Error('the sentry is not connected'));
      }
    });
  }

  /** A command-result arrived; wakes whoever waits for it. */
  resolveCommand(id: string, ok: boolean, output: string | undefined) {
    this.waiting.get(id)?.({ ok, output: output ?? '' });
  }

  /**
   * Something that may change desired state happened. Recompute it for the connected sentries
   * (all, or the ones named) and tell each whose revision moved.
   */
  async stateMayHaveChanged(sentryIds?: string[]): Promise<void> {
    const ctx = this.ctx;
    if (!ctx) return;
    const ids = (sentryIds ?? this.connectedIds()).filter((id) => this.isConnected(id));
    if (!ids.length) return;
    const sentries = await ctx.store.db.selectFrom('sentries').selectAll().where('id', 'in', ids).execute();
    for (const sentry of sentries) {
      try {
        const state = await currentDesiredState(ctx, sentry);
        if (state.revision !== this.lastRevision.get(sentry.id)) {
          this.send(sentry.id, { type: 'desired-state-changed', revision: state.revision });
        }
      } catch (err) {
        ctx.log.warn({ err, sentryId: sentry.id }, 'could not notify sentry of a state change');
      }
    }
  }

  /** Drops a sentry's sockets, e.g. when its token is revoked or rotated. */
  closeSentry(sentryId: string, reason: string) {
    for (const ws of this.sockets.get(sentryId) ?? []) ws.close(4001, reason);
    this.sockets.delete(sentryId);
    this.lastRevision.delete(sentryId);
  }

  closeAll(code = 1001, reason = 'commander shutting down') {
    for (const set of this.sockets.values()) for (const ws of set) ws.close(code, reason);
    this.sockets.clear();
  }
}

/**
 * Asks a connected sentry to do something and waits for its answer: 409 `sentry_offline` when it
 * is not connected (`offline` says why that matters here), 504 `sentry_timeout` when it is silent.
 */
export async function askSentry(
  ctx: AppContext,
  sentryId: string,
  command: SentryCommandName,
  args: Record<string, unknown>,
  timeoutMs: number,
  offline: string,
): Promise<{ ok: boolean; output: string }> {
  if (!ctx.push.isConnected(sentryId)) throw new ApiError(409, 'sentry_offline', offline);
  try {
    return await ctx.push.request(sentryId, command, args, timeoutMs);
  } catch (err) {
    throw new ApiError(504, 'sentry_timeout', `no answer from the sentry: ${(err as Error).message}`);
  }
}
