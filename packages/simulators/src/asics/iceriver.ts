import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { BaseAsicSim, type HttpReply, httpServer, type Json, offsetKeys, render, setKeys } from './serve.js';
import { type AsicSimOptions, type AsicSimState, defaultSimState, type SimulatedAsic } from './types.js';

const base = 'iceriver/ks5l-icm168-3.2.10_blog/';

/**
 * IceRiver web page as identification sees it. Constructed (no recording of the page exists): the
 * login page's title is `<TITLE>用户界面</TITLE>` ("user interface"), the string pyasic keys on.
 */
const indexPage =
  '<HTML><HEAD><META http-equiv="Content-Type" content="text/html; charset=utf-8"><TITLE>用户界面</TITLE></HEAD>' +
  '<BODY><FORM action="/user/loginpost" method="post"></FORM></BODY></HTML>';

/** "15011G" × f, keeping the unit suffix and the recorded precision style. */
function scaleSuffixed(v: unknown, f: number): unknown {
  if (typeof v !== 'string') return v;
  const m = /^(\d+(?:\.(\d+))?)(\s*[A-Za-z]*)$/.exec(v);
  if (!m) return v;
  const n = Number(m[1]) * f;
  return `${m[2] ? n.toFixed(m[2].length) : String(Math.round(n))}${m[3]}`;
}

/**
 * IceRiver KS5L (softver ICM168_3_2_10_ks5L_miner): `POST /user/userpanel?post=4` serves the
 * recording from the seed author's blog post, behind a session cookie from
 * `POST /user/loginpost?post=6&user=…&pwd=…`.
 *
 * Constructed, since nothing was recorded for them: the login answers (`{"error":0,…}` with a
 * Set-Cookie on success, `{"error":1,…}` and no cookie on a wrong password) and the 302 back to the
 * login page for a userpanel request without a session. IceRiver has no API sleep: `sleeping` here
 * means a relay cut its power, so the simulator drops every connection without answering.
 */
export class IceriverSim extends BaseAsicSim implements SimulatedAsic {
  readonly type = 'iceriver';
  readonly make = 'IceRiver';
  readonly model = 'IceRiver KS5L';
  private readonly sessions = new Set<string>();

  constructor(
    private readonly opts: AsicSimOptions,
    state: Partial<AsicSimState> = {},
  ) {
    super(opts.host, { ...defaultSimState(), ...state });
  }

  private hasSession(req: IncomingMessage): boolean {
    const m = /(?:^|;\s*)sessionid=([^;]+)/.exec(String(req.headers.cookie ?? ''));
    return m !== null && this.sessions.has(m[1]!);
  }

  private panel(): string {
    const s = this.state;
    return render(`${base}user_userpanel_post-4.json`, s, (j) => {
      const d = j.data as Json;
      if (s.hashrateScale !== 1) {
        d.rtpow = scaleSuffixed(d.rtpow, s.hashrateScale);
        d.avgpow = scaleSuffixed(d.avgpow, s.hashrateScale);
        for (const b of d.boards as Json[]) {
          b.rtpow = scaleSuffixed(b.rtpow, s.hashrateScale);
          b.avgpow = scaleSuffixed(b.avgpow, s.hashrateScale);
        }
      }
      offsetKeys(d.boards, /^(intmp|outtmp)$/, s.tempOffset);
      if (s.poolUser !== undefined) setKeys(d.pools, /^user$/, s.poolUser);
    });
  }

  protected build() {
    const s = this.state;
    const web = httpServer(s, (req, url): HttpReply => {
      if (s.sleeping) {
        // Power cut by a relay: nothing answers.
        req.socket.destroy();
        return { body: '' };
      }
      const method = req.method ?? 'GET';
      const p = url.pathname;
      if (method === 'GET' && (p === '/' || p === '/user/login'))
        return { headers: { 'content-type': 'text/html; charset=utf-8' }, body: indexPage };
      if (method === 'POST' && p === '/user/loginpost' && url.searchParams.get('post') === '6') {
        const ok =
          url.searchParams.get('user') === 'admin' &&
          url.searchParams.get('pwd') === (this.opts.password ?? '12345678');
        if (!ok) return { body: '{"error":1,"data":{},"message":"user or password error"}' };
        const sid = randomBytes(16).toString('hex');
        this.sessions.add(sid);
        return {
          headers: { 'set-cookie': `sessionid=${sid}; Path=/; HttpOnly` },
          body: '{"error":0,"data":{},"message":""}',
        };
      }
      if (method === 'POST' && p === '/user/userpanel') {
        if (!this.hasSession(req)) return { status: 302, headers: { location: '/user/login' }, body: '' };
        if (url.searchParams.get('post') === '4') return { body: this.panel() };
      }
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    });
    return [{ server: web, port: this.opts.ports?.http ?? 80 }];
  }
}
