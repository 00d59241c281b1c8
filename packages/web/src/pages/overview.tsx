import { useMemo } from 'react';
import { Link } from 'wouter';
import { useDevices, useSentries } from '../data';
import {
  dayBounds,
  gridText,
  integrate,
  kwh,
  useEnergyHistory,
  useEnergySources,
  useSolarStatus,
} from '../energy';
import { bucket, efficiency, hashrate, watts } from '../format';
import { Empty, ErrorText, Loading, PageHeader, Stat } from '../ui';

export function OverviewPage() {
  const devices = useDevices();
  const sentries = useSentries();
  const summary = useMemo(() => {
    const list = devices.data ?? [];
    const byAlgo = new Map<string, { hashrate: number; power: number; count: number }>();
    const counts = { online: 0, warning: 0, offline: 0, sleeping: 0, pending: 0 };
    let power = 0;
    let rigs = 0;
    let asics = 0;
    for (const d of list) {
      counts[bucket(d.status)]++;
      if (d.kind === 'rig') rigs++;
      else asics++;
      if (d.power) power += d.power;
      if (d.hashrate && d.status === 'mining') {
        const key = d.algorithm ?? (d.kind === 'asic' ? 'SHA-256 (assumed)' : 'unknown');
        const a = byAlgo.get(key) ?? { hashrate: 0, power: 0, count: 0 };
        a.hashrate += d.hashrate;
        a.power += d.power ?? 0;
        a.count++;
        byAlgo.set(key, a);
      }
    }
    const alerts = list.filter((d) => d.alerts.length > 0 || d.status === 'error');
    return {
      byAlgo: [...byAlgo.entries()].sort((a, b) => b[1].count - a[1].count),
      counts,
      power,
      rigs,
      asics,
      alerts,
      total: list.length,
    };
  }, [devices.data]);

  if (devices.isPending) return <Loading what="the overview" />;
  return (
    <section>
      <PageHeader title="Overview" />
      <ErrorText error={devices.error} prefix="Could not load devices" />
      {summary.total === 0 ? (
        <Empty title="Welcome to Mining Rig Monitor">
          <ol className="steps">
            <li>
              <Link href="/sentries">Create a sentry</Link>: a rig sentry for each GPU/CPU rig, or an ASIC
              sentry for your ASICs' LAN. You get its token and a one-line install command.
            </li>
            <li>
              Add <Link href="/templates">pool and wallet templates</Link>.
            </li>
            <li>
              Give each rig a <Link href="/playbooks">playbook</Link>: a mining program with your templates.
            </li>
          </ol>
          {sentries.data?.length ? (
            <p>{sentries.data.length} sentries exist; their devices appear when they first report.</p>
          ) : null}
        </Empty>
      ) : (
        <>
          <div className="stats" data-testid="overview-stats">
            <Stat
              label="Devices"
              value={summary.total}
              hint={`${summary.rigs} rigs, ${summary.asics} ASICs`}
            />
            <Stat label="Online" value={<span className="c-online">{summary.counts.online}</span>} />
            <Stat label="Warning" value={<span className="c-warning">{summary.counts.warning}</span>} />
            <Stat label="Offline" value={<span className="c-offline">{summary.counts.offline}</span>} />
            <Stat label="Sleeping" value={<span className="c-sleeping">{summary.counts.sleeping}</span>} />
            <Stat label="Power" value={watts(summary.power)} />
          </div>
          <section className="panel">
            <h2>Hashrate by algorithm</h2>
            {summary.byAlgo.length === 0 ? (
              <p className="muted">Nothing is hashing right now.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Algorithm</th>
                    <th className="num">Devices</th>
                    <th className="num">Hashrate</th>
                    <th className="num">Power</th>
                    <th className="num">Efficiency</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.byAlgo.map(([algo, a]) => (
                    <tr key={algo}>
                      <td>{algo}</td>
                      <td className="num">{a.count}</td>
                      <td className="num" data-testid={`algo-hashrate-${algo}`}>
                        {hashrate(a.hashrate)}
                      </td>
                      <td className="num">{watts(a.power)}</td>
                      <td className="num">{efficiency(a.power, a.hashrate)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <div className="two-col">
            <section className="panel">
              <h2>Active alerts</h2>
              {summary.alerts.length === 0 ? (
                <p className="muted">No alerts. Hijacked pools and miners in error show up here.</p>
              ) : (
                <ul className="plain">
                  {summary.alerts.slice(0, 50).map((d) => (
                    <li key={d.id}>
                      <Link href={`/devices/${d.id}`}>{d.name}</Link>:{' '}
                      {d.alerts.length ? d.alerts.map((a) => a.message).join('; ') : `status ${d.status}`}
                    </li>
                  ))}
                  {summary.alerts.length > 50 ? (
                    <li>
                      <Link href="/devices">and {summary.alerts.length - 50} more</Link>
                    </li>
                  ) : null}
                </ul>
              )}
            </section>
            <SolarToday />
          </div>
        </>
      )}
    </section>
  );
}

/** Today's production and consumption, from today's readings (the API keeps no daily totals). */
function SolarToday() {
  const sources = useEnergySources();
  const status = useSolarStatus();
  const [from, to] = dayBounds(Date.now());
  const sourceId = status.data?.sourceId ?? sources.data?.[0]?.id ?? null;
  const history = useEnergyHistory(sourceId, from, to, true);
  const totals = useMemo(() => integrate(history.data?.points ?? []), [history.data]);
  const src = sources.data?.find((s) => s.id === sourceId);
  return (
    <section className="panel" data-testid="solar-today">
      <h2>Solar today</h2>
      <ErrorText error={sources.error ?? history.error} prefix="Could not load today's energy" />
      {sources.data?.length === 0 ? (
        <p className="muted">
          No inverter or meter is configured. <Link href="/energy/sources">Add an energy source</Link> to see
          today's production and consumption here, and to run miners on solar surplus.
        </p>
      ) : !src ? (
        sources.isPending ? (
          <Loading what="energy sources" />
        ) : null
      ) : (
        <>
          <div className="stats">
            <Stat label="PV" value={<span data-testid="today-pv">{kwh(totals.pvKWh)}</span>} />
            <Stat label="Load" value={kwh(totals.loadKWh)} />
            <Stat label="Imported" value={kwh(totals.importKWh)} />
            <Stat label="Exported" value={kwh(totals.exportKWh)} />
          </div>
          <p className="muted small-text">
            {src.name}
            {src.latest ? `: now ${watts(src.latest.pvW)} PV, ${gridText(src.latest.gridW)}` : ''}
            {src.status.state === 'failing' ? ` (failing: ${src.status.error ?? 'no reason given'})` : ''}.
            From {totals.hours.toFixed(1)} h of readings since midnight.{' '}
            <Link href="/energy">Solar control</Link>
          </p>
        </>
      )}
    </section>
  );
}
