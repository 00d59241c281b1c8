/**
 * Schedules: time windows (days of the week, start, end, IANA time zone) that set devices or
 * groups to mine, sleep or stop — night tariffs, quiet hours.
 *
 * Precedence, documented: inside an open window the schedule's action holds its devices and wins
 * over the solar controller (the controller leaves them alone and does not count them as its own).
 * When several open windows name one device, the one that opened last wins (ties: off > sleep >
 * on). `outsideAction` applies to a schedule's devices while none of its windows is open, below
 * any open window of another schedule; null leaves them to the solar controller or as they are.
 */
import type { ScheduleAction } from '@mrm/protocol';

export interface ScheduleDef {
  id: string;
  name: string;
  enabled: boolean;
  days: number[];
  start: string;
  end: string;
  timeZone: string;
  action: ScheduleAction;
  outsideAction: ScheduleAction | null;
  deviceIds: string[];
  groupIds: string[];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Weekday (0 = Sunday) and minutes since midnight at `now` in `timeZone`. */
export function localTime(now: number, timeZone: string): { day: number; minutes: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(now));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: WEEKDAYS[get('weekday')] ?? 0, minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const hm = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

/**
 * Whether the window is open at `now`, and since how many minutes. `days` are the days a window
 * starts on; a window whose end is not after its start runs past midnight (start = end: 24 h).
 */
export function windowOpen(
  s: Pick<ScheduleDef, 'days' | 'start' | 'end' | 'timeZone'>,
  now: number,
): number | null {
  const { day, minutes } = localTime(now, s.timeZone);
  const start = hm(s.start);
  const end = hm(s.end);
  const yesterday = (day + 6) % 7;
  if (start < end) return s.days.includes(day) && minutes >= start && minutes < end ? minutes - start : null;
  if (s.days.includes(day) && minutes >= start) return minutes - start;
  if (s.days.includes(yesterday) && minutes < end) return minutes + 1440 - start;
  return null;
}

const strictness: Record<ScheduleAction, number> = { on: 0, sleep: 1, off: 2 };

export interface Force {
  action: ScheduleAction;
  by: string;
  scheduleId: string;
  inside: boolean;
}

/** What schedules ask of each device now. `members` expands group ids to device ids. */
export function scheduleForces(
  schedules: ScheduleDef[],
  members: (groupId: string) => string[],
  now: number,
): Map<string, Force> {
  const out = new Map<string, Force & { openFor: number }>();
  for (const s of schedules) {
    if (!s.enabled) continue;
    const open = windowOpen(s, now);
    const action = open !== null ? s.action : s.outsideAction;
    if (!action) continue;
    const inside = open !== null;
    const f = { action, by: s.name, scheduleId: s.id, inside, openFor: open ?? Number.POSITIVE_INFINITY };
    const ids = new Set([...s.deviceIds, ...s.groupIds.flatMap(members)]);
    for (const id of ids) {
      const cur = out.get(id);
      if (
        !cur ||
        (inside && !cur.inside) ||
        (inside === cur.inside &&
          (f.openFor < cur.openFor ||
            (f.openFor === cur.openFor && strictness[action] > strictness[cur.action])))
      )
        out.set(id, f);
    }
  }
  return out;
}
