import {
  type HelloRequest,
  type HelloResponse,
  type ReportBatch,
  type ReportResponse,
  sentryPaths,
} from '@mrm/protocol';

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
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (err) {
      const c = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
      const cause = c?.code ?? c?.errors?.[0]?.code ?? c?.message ?? (err as Error).name;
      throw new CommanderError('unreachable', `commander unreachable at ${this.baseUrl} (${cause})`);
    }
    if (res.status >= 400) {
      let parsed: ErrorBody = {};
      try {
        parsed = (await res.json()) as ErrorBody;
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

  async hello(req: HelloRequest): Promise<HelloResponse> {
    const res = await this.call('POST', sentryPaths.hello, req);
    const body = (await res.json()) as HelloResponse;
    if (!body?.sentry?.id || !body.commanderPublicKey) {
      throw new CommanderError(
        'rejected',
        `${this.baseUrl} did not answer like a Mining Rig Monitor commander`,
      );
    }
    return body;
  }

  async report(batches: ReportBatch[]): Promise<ReportResponse> {
    const res = await this.call('POST', sentryPaths.report, { batches });
    return (await res.json()) as ReportResponse;
  }

  /** The signed desired state, or null when it has not changed since `etag`. */
  async desiredState(etag: string | null): Promise<{ etag: string | null; body: unknown } | null> {
    const res = await this.call(
      'GET',
      sentryPaths.desiredState,
      undefined,
      etag ? { 'if-none-match': etag } : {},
    );
    if (res.status === 304) return null;
    return { etag: res.headers.get('etag'), body: await res.json() };
  }

  /** Downloads a file the commander hosts (or any URL) into memory-free streaming by the caller. */
  async fetchRaw(url: string): Promise<Response> {
    const sameOrigin = url.startsWith(this.baseUrl);
    try {
      const res = await fetch(url, {
        headers: sameOrigin ? { authorization: `Bearer ${this.token}` } : {},
        signal: AbortSignal.timeout(10 * 60_000),
      });
      if (!res.ok)
        throw new CommanderError('rejected', `download of ${url} failed: HTTP ${res.status}`, res.status);
      return res;
    } catch (err) {
      if (err instanceof CommanderError) throw err;
      throw new CommanderError('unreachable', `download of ${url} failed: ${(err as Error).message}`);
    }
  }

  pushUrl(): string {
    return `${this.baseUrl.replace(/^http/, 'ws')}${sentryPaths.push}`;
  }

  get bearer(): string {
    return this.token;
  }
}
