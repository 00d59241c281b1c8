/**
 * Small node:http servers answering like energy sources: the Fronius Solar API (power flow from
 * a recorded-shape fixture, with the Site values set by the test) and a generic JSON endpoint with
 * an optional token check. `fail` makes them answer 500, `hang` never answer.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape, edited by tests
type Json = Record<string, any>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../fixtures/energy/${name}`, import.meta.url), 'utf8')) as Json;

export interface JsonSim {
  url: string;
  /** Requests seen (path and headers), newest last. */
  requests: { path: string; headers: Record<string, string | string[] | undefined> }[];
  mode: 'ok' | 'fail' | 'hang';
  stop(): Promise<void>;
}

async function serve(
  handle: (
    path: string,
    headers: Record<string, string | string[] | undefined>,
  ) => { status: number; body: unknown },
): Promise<JsonSim & { server: Server }> {
  const sim = { requests: [], mode: 'ok' } as unknown as JsonSim & { server: Server };
  const server = createServer((req, res) => {
    sim.requests.push({ path: req.url ?? '/', headers: req.headers });
    if (sim.mode === 'hang') return;
    if (sim.mode === 'fail') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    const { status, body } = handle(req.url ?? '/', req.headers);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sim.server = server;
  sim.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return sim;
}

export interface FroniusSite {
  P_PV: number | null;
  P_Grid: number | null;
  P_Akku: number | null;
  P_Load: number | null;
  SOC?: number | null;
}

/** The Fronius Solar API v1 power-flow endpoint. `site` changes what it answers. */
export async function startFroniusSim(mode: 'meter' | 'produce-only' = 'meter') {
  const base = fixture(
    mode === 'meter' ? 'fronius-powerflow-meter.json' : 'fronius-powerflow-produce-only.json',
  );
  const site: Partial<FroniusSite> = {};
  const sim = await serve((path) => {
    if (!path.startsWith('/solar_api/v1/GetPowerFlowRealtimeData.fcgi')) return { status: 404, body: {} };
    const doc = structuredClone(base);
    const { SOC, ...rest } = site;
    Object.assign(doc.Body.Data.Site, rest);
    if (SOC !== undefined) doc.Body.Data.Inverters['1'].SOC = SOC;
    return { status: 200, body: doc };
  });
  return Object.assign(sim, { site });
}

/** A JSON endpoint serving `doc` (change it freely); with `token`, it wants `Authorization: Bearer <token>`. */
export async function startJsonSim(doc: Record<string, unknown>, token?: string) {
  const state = { doc };
  const sim = await serve((_path, headers) => {
    if (token && headers.authorization !== `Bearer ${token}`)
      return { status: 401, body: { message: 'unauthorized' } };
    return { status: 200, body: state.doc };
  });
  return Object.assign(sim, { state });
}

export const energyFixture = fixture;
