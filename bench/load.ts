/**
 * Load generator, run in its own process so it does not share the server's core. Each simulated
 * sentry keeps one keep-alive connection and posts report batches back to back.
 */
import http from 'node:http';

interface Job {
  url: string;
  path: string;
  method: 'GET' | 'POST';
  tokens: string[];
  devicesPerBatch: number;
  durationMs: number;
  warmupMs: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const target = new URL(job.url);
const latencies: number[] = [];
let requests = 0;
let devices = 0;
let errors = 0;
let measuring = false;

function body(sentryIndex: number, seq: number): string {
  const now = Date.now();
  const list = [];
  for (let i = 0; i < job.devicesPerBatch; i++) {
    list.push({
      key: job.devicesPerBatch === 1 ? 'rig' : `10.${sentryIndex}.${Math.floor(i / 250)}.${i % 250}`,
      at: now,
      status: 'mining',
      hashrate: 110e12 + i,
      power: 3250,
      temperatures: [
        { name: 'board1', value: 68 },
        { name: 'board2', value: 70 },
        { name: 'board3', value: 69 },
      ],
      fans: [
        { name: 'fan1', value: 5400 },
        { name: 'fan2', value: 5460 },
      ],
      pools: [{ url: 'stratum+tcp://pool.example:3333', user: 'acct.worker', accepted: 1000, rejected: 2 }],
      uptime: 86400,
    });
  }
  return JSON.stringify({ batches: [{ seq, devices: list }] });
}

function once(agent: http.Agent, token: string, payload: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: job.path,
        method: job.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

async function sentryLoop(index: number, token: string, stopAt: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let seq = 0;
  while (Date.now() < stopAt) {
    const payload = job.method === 'POST' ? body(index, ++seq) : undefined;
    const t0 = performance.now();
    const status = await once(agent, token, payload).catch(() => 0);
    const dt = performance.now() - t0;
    if (!measuring) continue;
    if (status !== 200) {
      errors++;
      continue;
    }
    requests++;
    devices += job.devicesPerBatch;
    latencies.push(dt);
  }
  agent.destroy();
}

const start = Date.now();
const stopAt = start + job.warmupMs + job.durationMs;
setTimeout(() => {
  measuring = true;
}, job.warmupMs);
await Promise.all(job.tokens.map((t, i) => sentryLoop(i, t, stopAt)));
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((latencies.length * p) / 100))] ?? 0;
const seconds = job.durationMs / 1000;
process.stdout.write(
  JSON.stringify({
    requestsPerSec: requests / seconds,
    devicesPerSec: devices / seconds,
    p50: pct(50),
    p99: pct(99),
    errors,
  }),
);
