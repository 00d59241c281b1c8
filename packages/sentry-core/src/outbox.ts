import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceReport, ReportBatch } from '@mrm/protocol';
import type { CommanderClient } from './commander-client.js';
import { readJsonFile, writeFileAtomic, writeJsonFile } from './state-files.js';

export const outboxLimits = {
  /** Disk the outbox may use; past it the oldest batches are dropped (and counted). */
  maxBytes: 50 * 1024 * 1024,
  /** Batches older than this are dropped: stale telemetry is worth less than the disk. */
  maxAgeMs: 7 * 86_400_000,
  /** Batches sent in one request. */
  batchesPerRequest: 20,
} as const;

interface Meta {
  nextSeq: number;
  dropped: number;
}

/**
 * Telemetry waiting for the commander: one file per numbered batch, written atomically, deleted
 * only when the commander acknowledges its sequence number. The commander stores each number
 * once, so sending a batch again after a lost answer stores nothing twice.
 */
export class Outbox {
  private readonly dir: string;
  private readonly metaFile: string;
  private meta: Meta;
  private sending: Promise<void> | undefined;

  constructor(
    stateDir: string,
    private readonly limits: { maxBytes: number; maxAgeMs: number; batchesPerRequest: number } = outboxLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = join(stateDir, 'outbox');
    this.metaFile = join(stateDir, 'outbox-meta.json');
    mkdirSync(this.dir, { recursive: true });
    this.meta = readJsonFile<Meta>(this.metaFile) ?? { nextSeq: 1, dropped: 0 };
  }

  /** Never reuse a number the commander has already stored (e.g. after the state dir was lost). */
  raiseSeqAbove(seq: number) {
    if (this.meta.nextSeq <= seq) {
      this.meta.nextSeq = seq + 1;
      writeJsonFile(this.metaFile, this.meta);
    }
  }

  get dropped(): number {
    return this.meta.dropped;
  }

  /** Files are named <seq>-<created ms>.json, so order and age need no reads. */
  private files(): { seq: number; createdAt: number; name: string }[] {
    const out: { seq: number; createdAt: number; name: string }[] = [];
    for (const name of readdirSync(this.dir)) {
      const m = /^(\d{12})-(\d+)\.json$/.exec(name);
      if (m) out.push({ seq: Number(m[1]), createdAt: Number(m[2]), name });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  pendingCount(): number {
    return this.files().length;
  }

  append(devices: DeviceReport[]): number {
    const seq = this.meta.nextSeq++;
    writeJsonFile(this.metaFile, this.meta);
    const batch: ReportBatch = { seq, devices };
    writeFileAtomic(
      join(this.dir, `${String(seq).padStart(12, '0')}-${this.now()}.json`),
      JSON.stringify(batch),
    );
    this.enforceLimits();
    return seq;
  }

  private enforceLimits() {
    const files = this.files();
    let total = 0;
    const sizes = files.map((f) => {
      const size = statSync(join(this.dir, f.name)).size;
      total += size;
      return { ...f, size };
    });
    let dropped = 0;
    const cutoff = this.now() - this.limits.maxAgeMs;
    for (const f of sizes) {
      if (total <= this.limits.maxBytes && f.createdAt >= cutoff) break;
      unlinkSync(join(this.dir, f.name));
      total -= f.size;
      dropped++;
    }
    if (dropped) {
      this.meta.dropped += dropped;
      writeJsonFile(this.metaFile, this.meta);
    }
  }

  /** Sends pending batches oldest first until none are left or the commander fails. */
  flush(client: CommanderClient): Promise<void> {
    this.sending ??= this.sendAll(client).finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  private async sendAll(client: CommanderClient) {
    for (;;) {
      const files = this.files().slice(0, this.limits.batchesPerRequest);
      if (!files.length) return;
      const batches: ReportBatch[] = [];
      for (const f of files) {
        try {
          const { seq, devices } = JSON.parse(readFileSync(join(this.dir, f.name), 'utf8')) as ReportBatch;
          batches.push({ seq, devices });
        } catch {
          // A file that cannot be read back (disk trouble) is dropped and counted, not retried forever.
          unlinkSync(join(this.dir, f.name));
          this.meta.dropped++;
          writeJsonFile(this.metaFile, this.meta);
        }
      }
      if (!batches.length) continue;
      const ack = await client.report(batches);
      for (const f of this.files()) if (f.seq <= ack.ackSeq) unlinkSync(join(this.dir, f.name));
      // The commander already had higher numbers than ours: continue above them.
      this.raiseSeqAbove(ack.ackSeq);
    }
  }
}
