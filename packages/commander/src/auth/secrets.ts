import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Bearer secrets carry a type prefix (as GitHub's tokens do) so leaks are easy to spot in logs
 * and so a sentry token can never be mistaken for a user's. 32 random bytes = 256 bits.
 */
export type SecretKind = 'ses' | 'api' | 'snt';

export function newSecret(kind: SecretKind): string {
  return `mrm_${kind}_${randomBytes(32).toString('base64url')}`;
}

export function secretKind(token: string): SecretKind | null {
  const m = /^mrm_(ses|api|snt)_[A-Za-z0-9_-]{43}$/.exec(token);
  return m ? (m[1] as SecretKind) : null;
}

/** High-entropy secrets need no salt or slow hash (ASVS 6.5.2): SHA-256 is enough. */
export function hashSecret(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What the UI shows to tell tokens apart without revealing them. */
export function secretPrefix(token: string): string {
  return token.slice(0, 12);
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 64, maxmem: 64 * 1024 * 1024 };

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, keyLen, { N, r, p, maxmem: SCRYPT.maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** Passwords: scrypt with a random salt; parameters are stored so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, 'base64');
  const key = await scryptAsync(
    password,
    Buffer.from(saltB64, 'base64'),
    Number(n),
    Number(r),
    Number(p),
    expected.length,
  );
  return timingSafeEqual(key, expected);
}

/** A hash to compare against when the user does not exist, so timing does not reveal usernames. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}
