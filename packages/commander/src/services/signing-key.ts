import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { keyFingerprint } from '@mrm/protocol/signing';
import type { Db } from '../db/connect.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  fingerprint: string;
}

const SETTING = 'commander_signing_key';

/**
 * The commander's Ed25519 key, made on first start and kept in the database so that several
 * commanders on one PostgreSQL sign with the same key that sentries pinned.
 */
export async function loadOrCreateSigningKey(store: Db): Promise<SigningKey> {
  const { db } = store;
  let row = await db.selectFrom('settings').select('value').where('key', '=', SETTING).executeTakeFirst();
  if (!row) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Two commanders starting at once: the loser of the insert reads the winner's key.
    await db
      .insertInto('settings')
      .values({ key: SETTING, value: pem })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    row = await db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', SETTING)
      .executeTakeFirstOrThrow();
  }
  const privateKey = createPrivateKey(row.value);
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: keyFingerprint(publicKey),
  };
}
