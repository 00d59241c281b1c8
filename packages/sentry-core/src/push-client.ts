import { type PushServerMessage, pushServerMessageSchema } from '@mrm/protocol';
import WebSocket from 'ws';
import type { CommanderClient } from './commander-client.js';

export const pushLimits = {
  maxPayloadBytes: 1024 * 1024,
  /** Reconnect backoff: full jitter between 0 and min(max, base·2^attempt). */
  reconnectBaseMs: 1_000,
  reconnectMaxMs: 60_000,
  /** A ping every so often keeps NAT and proxies from dropping an idle socket. */
  pingEveryMs: 30_000,
} as const;

export interface PushHandlers {
  onMessage(msg: PushServerMessage): void;
  onStatus?(connected: boolean, detail?: string): void;
}

/** Keeps the push WebSocket open, reconnecting with backoff; the minute poll covers any gap. */
export class PushClient {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private ping: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly client: CommanderClient,
    private readonly handlers: PushHandlers,
  ) {}

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.ws?.close(1000, 'sentry stopping');
  }

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(message: object) {
    if (this.connected) this.ws!.send(JSON.stringify(message));
  }

  private connect() {
    const ws = new WebSocket(this.client.pushUrl(), {
      headers: { authorization: `Bearer ${this.client.bearer}` },
      maxPayload: pushLimits.maxPayloadBytes,
      handshakeTimeout: 15_000,
    });
    this.ws = ws;
    ws.on('open', () => {
      this.attempt = 0;
      this.handlers.onStatus?.(true);
      this.ping = setInterval(() => this.send({ type: 'ping' }), pushLimits.pingEveryMs);
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      try {
        const parsed = pushServerMessageSchema.safeParse(JSON.parse(data.toString()));
        if (parsed.success) this.handlers.onMessage(parsed.data);
      } catch {
        // a malformed frame is ignored; the poll still delivers state changes
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      this.handlers.onStatus?.(false, `push refused: HTTP ${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', () => {
      // 'close' follows and schedules the reconnect
    });
    ws.on('close', () => {
      clearInterval(this.ping);
      if (this.ws === ws) this.ws = undefined;
      this.handlers.onStatus?.(false);
      if (this.stopped) return;
      const cap = Math.min(pushLimits.reconnectMaxMs, pushLimits.reconnectBaseMs * 2 ** this.attempt++);
      this.timer = setTimeout(() => this.connect(), Math.random() * cap);
    });
  }
}
