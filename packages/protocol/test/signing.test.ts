import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, signPayload, verifySignedDocument } from '../src/signing.js';

describe('signed documents', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it('verifies with the pinned key and fails on any change or another key', () => {
    const doc = signPayload('{"a":1}', privateKey, publicKey);
    expect(doc.keyFingerprint).toBe(keyFingerprint(pem));
    expect(verifySignedDocument(doc, pem)).toBe(true);
    expect(verifySignedDocument({ ...doc, payload: '{"a":2}' }, pem)).toBe(false);
    expect(verifySignedDocument({ ...doc, signature: Buffer.alloc(64).toString('base64') }, pem)).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifySignedDocument(doc, other)).toBe(false);
  });

  it('refuses a non-Ed25519 or malformed pinned key instead of throwing', () => {
    const doc = signPayload('x', privateKey, publicKey);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(verifySignedDocument(doc, rsa)).toBe(false);
    expect(verifySignedDocument(doc, 'not a key')).toBe(false);
  });
});
