import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { HttpReply } from './serve.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Server side of HTTP Digest (MD5, qop=auth) as the Antminer-style CGI does it: a 401 challenge,
 * then the response hash checked against the password.
 */
export class DigestGate {
  private readonly nonce = randomBytes(16).toString('hex');

  constructor(
    private readonly realm: string,
    private readonly user: string,
    private readonly password: () => string,
  ) {}

  /** null when the request carries valid credentials, else the 401 reply to send. */
  check(req: IncomingMessage): HttpReply | null {
    const h = req.headers.authorization ?? '';
    if (h.startsWith('Digest ')) {
      const f = (n: string) => new RegExp(`${n}="?([^",]*)"?`).exec(h)?.[1] ?? '';
      const ha1 = md5(`${f('username')}:${this.realm}:${this.password()}`);
      const ha2 = md5(`${req.method}:${f('uri')}`);
      const expected = f('qop')
        ? md5(`${ha1}:${f('nonce')}:${f('nc')}:${f('cnonce')}:${f('qop')}:${ha2}`)
        : md5(`${ha1}:${f('nonce')}:${ha2}`);
      if (f('username') === this.user && f('nonce') === this.nonce && f('response') === expected) return null;
    }
    return {
      status: 401,
      headers: {
        'www-authenticate': `Digest realm="${this.realm}", nonce="${this.nonce}", qop="auth"`,
        'content-type': 'text/html',
      },
      body: '<html><body>401 Unauthorized</body></html>',
    };
  }
}
