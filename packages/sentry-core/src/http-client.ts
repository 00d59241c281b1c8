import { request as httpReq, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsReq } from 'node:https';

export const httpLimits = {
  /** Largest answer read into memory as text (JSON); downloads stream instead. */
  maxTextBytes: 16 * 1024 * 1024,
} as const;

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as a stream, for downloads. */
  body: IncomingMessage;
  text(): Promise<string>;
}

/**
 * A small client on node:http/https. The sentry avoids the global fetch on purpose: loading it
 * costs the long-running daemon about 12 MB of resident memory on Node 20.
 */
export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(Object.assign(new Error(`invalid URL ${url}`), { code: 'ERR_INVALID_URL' }));
      return;
    }
    const make = target.protocol === 'https:' ? httpsReq : target.protocol === 'http:' ? httpReq : null;
    if (!make) {
      reject(Object.assign(new Error(`unsupported protocol ${target.protocol}`), { code: 'ERR_PROTOCOL' }));
      return;
    }
    const headers = {
      ...opts.headers,
      ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
    };
    const req = make(target, { method: opts.method ?? 'GET', headers });
    // One deadline for connecting and the headers; a download's body has its own pace.
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
      opts.timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: res,
        text: () =>
          new Promise((ok, fail) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > httpLimits.maxTextBytes) res.destroy(new Error('answer too large'));
              else chunks.push(c);
            });
            res.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
            res.on('error', fail);
          }),
      });
    });
    req.end(opts.body);
  });
}
