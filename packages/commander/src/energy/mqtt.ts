/**
 * MQTT sources: one subscription per configured topic, a JSON path per value (or the payload
 * itself when it is a bare number). The reader keeps the last value of each topic with its arrival
 * time; a value older than `maxAgeMs` is absent (retained messages look fresh but may be old).
 */
import type { EnergyValues, MqttFieldMapping } from '@mrm/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { getJsonPath, mapValue } from './json-path.js';
import { type EnergyReader, emptyValues, type ReadResult, withLoad } from './types.js';

export interface MqttConfig {
  url: string;
  username?: string;
  password?: string;
  maxAgeMs?: number;
  fields: Partial<Record<keyof EnergyValues, MqttFieldMapping>>;
}

export class MqttReader implements EnergyReader {
  private client: MqttClient | null = null;
  private last = new Map<keyof EnergyValues, { value: number | null; at: number }>();
  private lastError: string | null = null;
  private connected = false;
  private readonly startedAt: number;

  constructor(
    private readonly cfg: MqttConfig,
    private readonly timeoutMs = 5000,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  private start() {
    if (this.client) return;
    const c = mqtt.connect(this.cfg.url, {
      username: this.cfg.username,
      password: this.cfg.password,
      connectTimeout: this.timeoutMs,
      reconnectPeriod: 2000,
      clean: true,
    });
    this.client = c;
    const topics = [...new Set(Object.values(this.cfg.fields).map((f) => f!.topic))];
    c.on('connect', () => {
      this.connected = true;
      this.lastError = null;
      c.subscribe(topics, { qos: 0 }, (err) => {
        if (err) this.lastError = `subscribe failed: ${err.message}`;
      });
    });
    c.on('close', () => {
      this.connected = false;
    });
    c.on('error', (err) => {
      this.lastError = err.message;
    });
    c.on('message', (topic, payload) => {
      const text = payload.toString('utf8');
      let doc: unknown = null;
      if (text.trim() !== '') {
        try {
          doc = JSON.parse(text);
        } catch {
          doc = text.trim();
        }
      }
      const at = this.now();
      for (const key of Object.keys(this.cfg.fields) as (keyof EnergyValues)[]) {
        const f = this.cfg.fields[key]!;
        if (f.topic !== topic) continue;
        const raw = f.path ? getJsonPath(doc, f.path) : doc;
        this.last.set(key, { value: mapValue(raw, f), at });
      }
    });
  }

  async read(): Promise<ReadResult> {
    this.start();
    const maxAge = this.cfg.maxAgeMs ?? 60_000;
    // The first read waits a little for the connection and the retained values.
    if (!this.last.size) await this.waitForFirst(Math.min(this.timeoutMs, 3000));
    if (!this.connected && !this.last.size)
      throw new Error(
        `cannot connect to the MQTT broker ${brokerLabel(this.cfg.url)}${this.lastError ? `: ${this.lastError}` : ''}`,
      );
    const now = this.now();
    const v = emptyValues();
    let fresh = 0;
    for (const [key, entry] of this.last) {
      if (now - entry.at <= maxAge) {
        v[key] = entry.value;
        if (entry.value !== null) fresh++;
      }
    }
    if (!fresh) {
      const topics = Object.values(this.cfg.fields)
        .map((f) => f!.topic)
        .join(', ');
      throw new Error(
        `no fresh value on ${topics} in the last ${Math.round(maxAge / 1000)} s${this.connected ? '' : ' (broker disconnected)'}`,
      );
    }
    return { values: withLoad(v) };
  }

  private async waitForFirst(ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.last.size) await new Promise((r) => setTimeout(r, 50));
  }

  /** How long since it started (tests and status). */
  get ageMs() {
    return this.now() - this.startedAt;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true).catch(() => {});
  }
}

function brokerLabel(url: string) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'broker';
  }
}
