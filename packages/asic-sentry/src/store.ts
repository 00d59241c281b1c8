import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile, writeJsonFile } from '@mrm/sentry-core';
import type { AsicIdentity } from './model.js';
import type { RelayKind } from './relays/types.js';

export interface RelayConfig {
  kind: RelayKind;
  host: string;
  port?: number;
  channel?: number;
  user?: string;
  password?: string;
}

/** One ASIC this sentry watches. */
export interface StoredAsic {
  ip: string;
  /** The driver's API port when it is not the default. */
  port?: number;
  type: string;
  identity?: AsicIdentity;
  /** Web/API credentials the operator gave (never pools or wallets); absent = the make's defaults. */
  user?: string;
  password?: string;
  relay?: RelayConfig;
  name?: string;
  addedAt: number;
  /** `local` = added here (CLI or scan); `commander` = from the desired state. */
  source: 'local' | 'commander';
  /** Set once the commander's desired state listed it: its later absence means it was removed there. */
  knownToCommander?: boolean;
}

/** The key an ASIC has within its sentry, the same the commander uses. */
export const asicKey = (a: { ip: string; port?: number | null }) => (a.port ? `${a.ip}:${a.port}` : a.ip);

/**
 * asics.json in the state dir. Credentials have to be usable to talk to the miner, so they are
 * kept as given, in a file only the sentry's user can read (0600).
 */
export class AsicStore {
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'asics.json');
  }

  list(): StoredAsic[] {
    return readJsonFile<{ asics: StoredAsic[] }>(this.file)?.asics ?? [];
  }

  save(asics: StoredAsic[]): void {
    writeJsonFile(this.file, { asics });
    if (existsSync(this.file)) chmodSync(this.file, 0o600);
  }

  get(key: string): StoredAsic | undefined {
    return this.list().find((a) => asicKey(a) === key);
  }

  upsert(a: StoredAsic): void {
    const all = this.list().filter((x) => asicKey(x) !== asicKey(a));
    all.push(a);
    this.save(all);
  }

  /** Removes by key (`ip` or `ip:port`) or by bare IP; returns how many went. */
  remove(keyOrIp: string): number {
    const all = this.list();
    const kept = all.filter((x) => asicKey(x) !== keyOrIp && x.ip !== keyOrIp);
    this.save(kept);
    return all.length - kept.length;
  }
}
