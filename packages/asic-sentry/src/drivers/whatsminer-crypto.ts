import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';

/**
 * The cryptography of MicroBT's Whatsminer API, on node:crypto only.
 *
 * API v2 (TCP 4028) write commands: `get_token` answers `{time, salt, newsalt}`; the client derives
 * `host_passwd_md5` = the hash field of MD5-crypt(password, salt) and `host_sign` = the hash field of
 * MD5-crypt(host_passwd_md5 + time, newsalt). The request is AES-256-ECB encrypted with the key
 * SHA-256(host_passwd_md5), zero-padded to 16 bytes, base64 encoded; the answer comes back the same way.
 *
 * API v3 (TCP 4433) write commands carry `token` = the first 8 characters of
 * base64(SHA-256(cmd + password + salt + ts)); the salt comes from `get.device.info` param `salt`.
 */

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function to64(v: number, n: number): string {
  let s = '';
  let x = v;
  for (let i = 0; i < n; i++) {
    s += ITOA64[x & 0x3f];
    x >>>= 6;
  }
  return s;
}

/**
 * FreeBSD/glibc MD5-crypt (`openssl passwd -1 -salt <salt> <password>`): `$1$<salt>$<22 chars>`.
 * `salt` may be given bare or as `$1$salt$`; only its first 8 characters count.
 */
export function md5Crypt(password: string, salt: string): string {
  const s = salt
    .replace(/^\$1\$/, '')
    .split('$')[0]!
    .slice(0, 8);
  const pw = Buffer.from(password, 'utf8');
  const sb = Buffer.from(s, 'utf8');
  const magic = Buffer.from('$1$');

  const alt = md5(pw, sb, pw);
  const ctx = createHash('md5');
  ctx.update(pw);
  ctx.update(magic);
  ctx.update(sb);
  for (let pl = pw.length; pl > 0; pl -= 16) ctx.update(alt.subarray(0, Math.min(pl, 16)));
  for (let i = pw.length; i > 0; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let f = ctx.digest();

  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [];
    parts.push(i & 1 ? pw : f);
    if (i % 3) parts.push(sb);
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? f : pw);
    f = md5(...parts);
  }

  const enc =
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2);
  return `$1$${s}$${enc}`;
}

/** The 4th `$`-separated field of MD5-crypt (the hash alone), as btminer uses it. */
export function md5CryptField(password: string, salt: string): string {
  return md5Crypt(password, salt).split('$')[3] ?? '';
}

export interface V2Token {
  /** MD5-crypt(password, salt) hash field; SHA-256 of it is the AES key. */
  hostPasswdMd5: string;
  /** MD5-crypt(hostPasswdMd5 + time, newsalt) hash field; goes into the request as `token`. */
  hostSign: string;
}

/** Derives the v2 token from a `get_token` answer's `Msg`. */
export function v2Token(password: string, msg: { time: string; salt: string; newsalt: string }): V2Token {
  const hostPasswdMd5 = md5CryptField(password, msg.salt);
  const hostSign = md5CryptField(hostPasswdMd5 + msg.time, msg.newsalt);
  return { hostPasswdMd5, hostSign };
}

/** AES-256 key of the v2 envelope: the raw SHA-256 digest of host_passwd_md5. */
export function v2AesKey(hostPasswdMd5: string): Buffer {
  return createHash('sha256').update(hostPasswdMd5, 'utf8').digest();
}

/** AES-256-ECB, zero padding to 16 bytes, base64 without line breaks. */
export function aesEcbEncrypt(plain: string, key: Buffer): string {
  const data = Buffer.from(plain, 'utf8');
  const padded = Buffer.alloc(Math.ceil(Math.max(data.length, 1) / 16) * 16, 0);
  data.copy(padded);
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(padded), c.final()]).toString('base64');
}

/**
 * Decrypts a base64 AES-256-ECB payload. Trailing NULs (zero padding, what btminer sends) and a
 * valid PKCS#7 tail (what CryptoJS-based clients send) are removed. Throws on a bad length.
 */
export function aesEcbDecrypt(b64: string, key: Buffer): string {
  const data = Buffer.from(b64, 'base64');
  if (data.length === 0 || data.length % 16 !== 0)
    throw new Error('ciphertext is not a whole number of AES blocks');
  const d = createDecipheriv('aes-256-ecb', key, null);
  d.setAutoPadding(false);
  let out = Buffer.concat([d.update(data), d.final()]);
  const last = out[out.length - 1]!;
  if (last >= 1 && last <= 16 && out.subarray(out.length - last).every((b) => b === last))
    out = out.subarray(0, out.length - last);
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end).toString('utf8');
}

/** The v2 request envelope `{"enc":1,"data":…}` for a command object (token added by the caller). */
export function v2Envelope(command: Record<string, unknown>, token: V2Token): string {
  const inner = JSON.stringify({ ...command, token: token.hostSign });
  return JSON.stringify({ enc: 1, data: aesEcbEncrypt(inner, v2AesKey(token.hostPasswdMd5)) });
}

/** The v3 per-command token: first 8 characters of base64(SHA-256(cmd + password + salt + ts)). */
export function v3Token(cmd: string, password: string, salt: string, ts: number | string): string {
  return createHash('sha256').update(`${cmd}${password}${salt}${ts}`, 'utf8').digest('base64').slice(0, 8);
}
