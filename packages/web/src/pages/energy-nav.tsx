import { Link, useLocation } from 'wouter';

const tabs = [
  { href: '/energy', label: 'Solar control' },
  { href: '/energy/sources', label: 'Energy sources' },
  { href: '/energy/schedules', label: 'Schedules' },
  { href: '/energy/replay', label: 'Replay' },
];

/** The sub-pages of "Solar & schedules". */
export function EnergyTabs() {
  const [location] = useLocation();
  return (
    <nav className="tabs" aria-label="Solar and schedules">
      {tabs.map((t) => {
        const active = location === t.href;
        return (
          <Link
            key={t.href}
            href={t.href}
            className={active ? 'tab tab-active' : 'tab'}
            aria-current={active ? 'page' : undefined}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
