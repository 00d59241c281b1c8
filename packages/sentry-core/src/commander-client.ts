import {
  type HelloRequest,
  type HelloResponse,
  type ReportBatch,
  type ReportResponse,
  sentryPaths,
} from '@mrm/protocol';
import { type HttpResponse, httpRequest } from './http-client.js';

/** Why a call to the commander failed, in words an operator can act on. */
export type CommanderErrorKind =
  | 'unreachable'
  | 'wrong-token'
  | 'revoked'
  | 'wrong-kind'
  | 'rejected'
  | 'server-error';

export class CommanderError extends Error {
  constructor(
    readonly kind: CommanderErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export const clientLimits = {
  /** Per request; a commander that does not answer in time counts as unreachable. */
  timeoutMs: 15_000,
} as const;

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/** A small HTTP client for the sentry protocol, with timeouts and classified errors. */
export class CommanderClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number = clientLimits.timeoutMs,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await httpRequest(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.timeoutMs,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { errors?: { code?: string }[] };
      throw new CommanderError(
        'unreachable',
        `commander unreachable at ${this.baseUrl} (${e.code ?? e.errors?.[0]?.code ?? e.message})`,
      );
    }
    if (res.status >= 400) {
      let parsed: ErrorBody = {};
      try {
        parsed = JSON.parse(await res.text()) as ErrorBody;
      } catch {
        // not our JSON: a proxy or another server answered
      }
      const code = parsed.error?.code;
      const message = parsed.error?.message ?? `HTTP ${res.status}`;
      if (res.status === 401) throw new CommanderError('wrong-token', `wrong token: ${message}`, 401);
      if (code === 'token_revoked') throw new CommanderError('revoked', `token revoked: ${message}`, 403);
      if (code === 'wrong_sentry_kind')
        throw new CommanderError('wrong-kind', `wrong kind of sentry: ${message}`, 403);
      if (res.status >= 500)
        throw new CommanderError('server-error', `commander error: ${message}`, res.status);
      throw new CommanderError('rejected', `commander refused the request: ${message}`, res.status);
    }
    return res;
  }

  private async json<T>(res: HttpResponse): Promise<T> {
    try {
      return JSON.parse(await res.text()) as T;
    } catch {
      throw new CommanderError('rejected', `${this.baseUrl} did not answer with JSON`);
    }
  }

  async hello(req: HelloRequest): Promise<HelloResponse> {
    const body = await this.json<HelloResponse>(await this.call('POST', sentryPaths.hello, req));
    if (!body?.sentry?.id || !body.commanderPublicKey) {
      throw new CommanderError(
        'rejected',
        `${this.baseUrl} did not answer like a Mining Rig Monitor commander`,
      );
    }
    return body;
  }

  async report(batches: ReportBatch[]): Promise<ReportResponse> {
    return this.json<ReportResponse>(await this.call('POST', sentryPaths.report, { batches }));
  }

  /** The signed desired state, or null when it has not changed since `etag`. */
  async desiredState(etag: string | null): Promise<{ etag: string | null; body: unknown } | null> {
    const res = await this.call(
      'GET',
      sentryPaths.desiredState,
      undefined,
      etag ? { 'if-none-match': etag } : {},
    );
    if (res.status === 304) {
      res.body.resume();
      return null;
    }
    const next = res.headers.etag;
    return { etag: typeof next === 'string' ? next : null, body: await this.json<unknown>(res) };
  }

  /** Starts a download: the commander's own URLs get the sentry token, others nothing. */
  async fetchRaw(url: string): Promise<HttpResponse> {
    const sameOrigin = url.startsWith(`${this.baseUrl}/`);
    let res: HttpResponse;
    try {
      res = await httpRequest(url, {
        headers: sameOrigin ? { authorization: `Bearer ${this.token}` } : {},
        timeoutMs: 60_000,
      });
    } catch (err) {
      throw new CommanderError('unreachable', `download of ${url} failed: ${(err as Error).message}`);
    }
    if (res.status !== 200) {
      res.body.resume();
      throw new CommanderError('rejected', `download of ${url} failed: HTTP ${res.status}`, res.status);
    }
    return res;
  }

  pushUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}${sentryPaths.push}`;
  }

  get bearer(): string {
    return this.token;
  }
}
