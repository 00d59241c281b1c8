import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { SignedDocument } from './sentry.js';

/** SHA-256 of the key's DER (SPKI) encoding, hex: what operators compare when pinning. */
export function keyFingerprint(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** Signs the exact payload text with an Ed25519 private key. */
export function signPayload(payload: string, privateKey: KeyObject, publicKey: KeyObject): SignedDocument {
  // Ed25519 takes no digest algorithm: the first argument must be null.
  const signature = sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64');
  return { payload, signature, keyFingerprint: keyFingerprint(publicKey) };
}

/** True only when the signature over the payload verifies with the pinned public key. */
export function verifySignedDocument(doc: SignedDocument, pinnedPublicKeyPem: string): boolean {
  try {
    const key = createPublicKey(pinnedPublicKeyPem);
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(doc.payload, 'utf8'), key, Buffer.from(doc.signature, 'base64'));
  } catch {
    return false;
  }
}
