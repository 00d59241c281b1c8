/**
 * The loop around the pure controller: every `tickMs` it reads the latest energy reading, the
 * devices' facts (status, measured power, what ASICs report they do), the schedules, runs `tick`,
 * applies the changes through the devices' power state (the same columns PUT
 * /devices/{id}/power-state sets, reaching the sentries through their signed desired state), stores
 * the decisions with their sentences, and keeps the controller's state across restarts.
 */
import type { ScheduleAction, SolarSettings } from '@mrm/protocol';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database, SchedulesTable, SolarRulesTable } from '../db/schema.js';
import { audit } from '../services/audit.js';
import {
  type ControllerState,
  type Decision,
  defaultSolarSettings,
  deserializeState,
  serializeState,
  tick,
  type UnitInput,
} from './controller.js';
import { type ScheduleDef, scheduleForces } from './schedules.js';

const SETTINGS_KEY = 'solar_settings';
const STATE_KEY = 'solar_state';
const CHUNK = 500;

export async function readSolarSettings(db: Kysely<Database>): Promise<SolarSettings> {
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', SETTINGS_KEY)
    .executeTakeFirst();
  if (!row) return { ...defaultSolarSettings };
  try {
    return { ...defaultSolarSettings, ...(JSON.parse(row.value) as Partial<SolarSettings>) };
  } catch {
    return { ...defaultSolarSettings };
  }
}

export async function writeSetting(db: Kysely<Database>, key: string, value: string) {
  await db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

export async function writeSolarSettings(db: Kysely<Database>, s: SolarSettings) {
  await writeSetting(db, SETTINGS_KEY, JSON.stringify(s));
}

export function scheduleDef(r: SchedulesTable): ScheduleDef {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    days: JSON.parse(r.days_json),
    start: r.start_hm,
    end: r.end_hm,
    timeZone: r.time_zone,
    action: r.action as ScheduleAction,
    outsideAction: r.outside_action as ScheduleAction | null,
    deviceIds: JSON.parse(r.device_ids_json),
    groupIds: JSON.parse(r.group_ids_json),
  };
}

interface DeviceFacts {
  id: string;
  name: string;
  kind: string;
  sentryId: string;
  online: boolean;
  /** running (true), stopped (false), unknown (null). */
  actualOn: boolean | null;
  powerW: number | null;
  powerState: string | null;
  powerTargetW: number | null;
}

/** What a device really does, from its latest report. */
function actualOf(kind: string, status: string, latest: string | null): boolean | null {
  if (kind === 'asic' && latest) {
    try {
      const actual = (JSON.parse(latest) as { details?: { power?: { actual?: string } } }).details?.power
        ?.actual;
      if (actual === 'on') return true;
      if (actual === 'sleep' || actual === 'off') return false;
    } catch {
      // fall back to the status
    }
  }
  if (status === 'mining' || status === 'starting') return true;
  if (status === 'idle' || status === 'sleeping') return false;
  return null;
}

export async function loadDeviceFacts(ctx: AppContext, ids: string[]): Promise<Map<string, DeviceFacts>> {
  const out = new Map<string, DeviceFacts>();
  const staleBefore = ctx.now() - ctx.config.sentryOfflineAfterMs;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await ctx.store.db
      .selectFrom('devices')
      .innerJoin('sentries', 'sentries.id', 'devices.sentry_id')
      .select([
        'devices.id',
        'devices.name',
        'devices.kind',
        'devices.sentry_id',
        'devices.status',
        'devices.power',
        'devices.latest',
        'devices.power_state',
        'devices.power_target_w',
        'sentries.last_seen_at',
      ])
      .where('devices.id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) {
      const sentryAway = r.last_seen_at === null || r.last_seen_at < staleBefore;
      const online = !sentryAway && r.status !== 'offline' && r.status !== 'pending';
      out.set(r.id, {
        id: r.id,
        name: r.name,
        kind: r.kind,
        sentryId: r.sentry_id,
        online,
        actualOn: online ? actualOf(r.kind, r.status, r.latest) : null,
        powerW: r.power,
        powerState: r.power_state,
        powerTargetW: r.power_target_w,
      });
    }
  }
  return out;
}

export interface PowerChange {
  deviceId: string;
  state: ScheduleAction;
  powerTargetW: number | null | undefined;
}

/**
 * Sets devices' expected power state (and power target) as PUT /devices/{id}/power-state does,
 * audits it as the system, and tells their sentries. Unchanged devices are not written.
 */
export async function applyPowerChanges(
  ctx: AppContext,
  changes: PowerChange[],
  why: string,
): Promise<number> {
  if (!changes.length) return 0;
  const facts = await loadDeviceFacts(
    ctx,
    changes.map((c) => c.deviceId),
  );
  const sentryIds = new Set<string>();
  const applied: {
    id: string;
    name: string;
    from: string | null;
    to: string;
    powerTargetW: number | null;
  }[] = [];
  await ctx.store.db.transaction().execute(async (trx) => {
    for (const c of changes) {
      const f = facts.get(c.deviceId);
      if (!f) continue;
      const target = c.powerTargetW === undefined ? f.powerTargetW : c.powerTargetW;
      if (f.powerState === c.state && (f.powerTargetW ?? null) === (target ?? null)) continue;
      await trx
        .updateTable('devices')
        .set({ power_state: c.state, power_target_w: target ?? null })
        .where('id', '=', c.deviceId)
        .execute();
      sentryIds.add(f.sentryId);
      applied.push({ id: f.id, name: f.name, from: f.powerState, to: c.state, powerTargetW: target ?? null });
    }
    if (applied.length)
      await audit(
        trx,
        null,
        {
          action: 'solar.power_states_set',
          entityType: 'device',
          entityId: applied.length === 1 ? applied[0]!.id : null,
          after: { why, devices: applied.slice(0, 200) },
        },
        ctx.now(),
      );
  });
  if (sentryIds.size) await ctx.push.stateMayHaveChanged([...sentryIds]);
  return applied.length;
}

export interface RuleUnit {
  rule: SolarRulesTable;
  name: string;
  deviceIds: string[];
}

export class SolarLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private state: ControllerState | null = null;
  /** Power (W) learned from reports while a unit ran at full power, for rules without powerW. */
  private learned = new Map<string, number>();
  /** The schedule action last applied to devices outside solar rules. */
  private scheduleApplied = new Map<string, ScheduleAction>();
  private ticks = 0;
  private currentTickMs = 0;

  constructor(private readonly ctx: AppContext) {}

  get controllerState(): ControllerState | null {
    return this.state;
  }

  start() {
    void this.reschedule();
  }

  private async reschedule() {
    const s = await readSolarSettings(this.ctx.store.db).catch(() => defaultSolarSettings);
    if (this.timer && this.currentTickMs === s.tickMs) return;
    clearInterval(this.timer);
    this.currentTickMs = s.tickMs;
    this.timer = setInterval(() => void this.runOnce(), s.tickMs);
    this.timer.unref();
  }

  /** After the settings change (the tick interval may have). */
  settingsChanged() {
    if (this.timer) void this.reschedule();
  }

  async stop() {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= this.run()
      .catch((err) => this.ctx.log.error({ err }, 'solar controller tick failed'))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The source the controller follows: the configured one, else the only enabled one. */
  async sourceIdFor(s: SolarSettings): Promise<string | null> {
    if (s.sourceId) return s.sourceId;
    const rows = await this.ctx.store.db
      .selectFrom('energy_sources')
      .select('id')
      .where('enabled', '=', 1)
      .limit(2)
      .execute();
    return rows.length === 1 ? rows[0]!.id : null;
  }

  async ruleUnits(): Promise<RuleUnit[]> {
    const { db } = this.ctx.store;
    const rules = await db.selectFrom('solar_rules').selectAll().execute();
    const groupIds = rules.filter((r) => r.target_type === 'group').map((r) => r.target_id);
    const deviceIds = rules.filter((r) => r.target_type === 'device').map((r) => r.target_id);
    const groups = new Map<string, { name: string; members: string[] }>();
    if (groupIds.length) {
      for (const g of await db
        .selectFrom('device_groups')
        .select(['id', 'name'])
        .where('id', 'in', groupIds)
        .execute())
        groups.set(g.id, { name: g.name, members: [] });
      for (const m of await db
        .selectFrom('device_group_members')
        .select(['group_id', 'device_id'])
        .where('group_id', 'in', groupIds)
        .orderBy('device_id')
        .execute())
        groups.get(m.group_id)?.members.push(m.device_id);
    }
    const names = new Map<string, string>();
    for (let i = 0; i < deviceIds.length; i += CHUNK)
      for (const d of await db
        .selectFrom('devices')
        .select(['id', 'name'])
        .where('id', 'in', deviceIds.slice(i, i + CHUNK))
        .execute())
        names.set(d.id, d.name);
    return rules.map((rule) => {
      if (rule.target_type === 'group') {
        const g = groups.get(rule.target_id);
        return { rule, name: g?.name ?? '(deleted group)', deviceIds: g?.members ?? [] };
      }
      return {
        rule,
        name: names.get(rule.target_id) ?? '(deleted device)',
        deviceIds: names.has(rule.target_id) ? [rule.target_id] : [],
      };
    });
  }

  private async run() {
    const ctx = this.ctx;
    const { db } = ctx.store;
    const now = ctx.now();
    const s = await readSolarSettings(db);
    if (!this.state) {
      const row = await db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', STATE_KEY)
        .executeTakeFirst();
      this.state = deserializeState(row?.value);
    }
    const units = await this.ruleUnits();
    const schedules = (await db.selectFrom('schedules').selectAll().execute()).map(scheduleDef);
    const groupMembers = new Map<string, string[]>();
    const schedGroups = [...new Set(schedules.flatMap((x) => x.groupIds))];
    if (schedGroups.length)
      for (const m of await db
        .selectFrom('device_group_members')
        .select(['group_id', 'device_id'])
        .where('group_id', 'in', schedGroups)
        .execute())
        groupMembers.set(m.group_id, [...(groupMembers.get(m.group_id) ?? []), m.device_id]);
    const forces = scheduleForces(schedules, (g) => groupMembers.get(g) ?? [], now);

    const inRules = new Set(units.flatMap((u) => u.deviceIds));
    const facts = await loadDeviceFacts(ctx, [...new Set([...inRules, ...forces.keys()])]);
    const decisions: (Decision & { deviceIds: string[] })[] = [];

    // Devices in no solar rule: schedules act on them directly (at a window's edges).
    const direct: PowerChange[] = [];
    for (const [id, f] of forces) {
      if (inRules.has(id) || !facts.has(id)) continue;
      if (this.scheduleApplied.get(id) === f.action) continue;
      this.scheduleApplied.set(id, f.action);
      if (facts.get(id)!.powerState === f.action) continue;
      direct.push({ deviceId: id, state: f.action, powerTargetW: undefined });
      const name = facts.get(id)!.name;
      decisions.push({
        at: now,
        unitId: null,
        name,
        kind: 'schedule',
        fromLevel: null,
        toLevel: null,
        reason: `set ${name} to ${f.action}: schedule "${f.by}" ${f.inside ? 'is in its window' : 'is outside its windows'}`,
        numbers: {},
        deviceIds: [id],
      });
    }
    for (const id of [...this.scheduleApplied.keys()]) if (!forces.has(id)) this.scheduleApplied.delete(id);

    // Solar units.
    const inputs: UnitInput[] = [];
    const byId = new Map<string, RuleUnit>();
    for (const u of units) {
      byId.set(u.rule.id, u);
      const fs = u.deviceIds.map((id) => facts.get(id)).filter((f): f is DeviceFacts => !!f);
      const online = fs.some((f) => f.online);
      const reported = fs.filter((f) => f.online && f.powerW !== null);
      const measuredW = reported.length ? reported.reduce((a, f) => a + f.powerW!, 0) : null;
      const actual = fs.filter((f) => f.online).map((f) => f.actualOn);
      const actualOn =
        actual.length && actual.every((a) => a === true)
          ? true
          : actual.length && actual.every((a) => a === false)
            ? false
            : null;
      const timers = JSON.parse(u.rule.timers_json) as Record<string, number | null>;
      const prevLevel = this.state.units.get(u.rule.id);
      const full = u.rule.power_w ?? this.learned.get(u.rule.id) ?? null;
      // Learn a rule's power from its reports while it runs at full power.
      if (
        u.rule.power_w === null &&
        prevLevel &&
        prevLevel.level > 0 &&
        actualOn &&
        measuredW &&
        measuredW > u.rule.standby_w
      ) {
        const max = u.rule.reduced_w ? 2 : 1;
        if (prevLevel.level === max) this.learned.set(u.rule.id, measuredW);
      }
      const force = u.deviceIds.map((id) => forces.get(id)).find((f) => f?.inside) ?? null;
      inputs.push({
        id: u.rule.id,
        name: u.name,
        priority: u.rule.priority,
        levels:
          full === null || !fs.length
            ? null
            : u.rule.reduced_w
              ? [u.rule.standby_w, u.rule.reduced_w, full]
              : [u.rule.standby_w, full],
        measuredW,
        online,
        actualOn,
        forced: force ? { on: force.action === 'on', by: force.by } : null,
        disabled: u.rule.enabled !== 1,
        enableDelayS: timers.enableDelayS,
        disableDelayS: timers.disableDelayS,
        minOnS: timers.minOnS,
        minOffS: timers.minOffS,
        settleS: timers.settleS,
        maxSwitchesPerHour: timers.maxSwitchesPerHour,
      });
    }

    const sourceId = await this.sourceIdFor(s);
    const live = sourceId ? ctx.energy.latest(sourceId) : undefined;
    const reading = live?.reading ?? null;
    const sourceError = !sourceId
      ? 'no energy source chosen (none, or several, are configured)'
      : live?.ok === false
        ? (live.error ?? 'failing')
        : null;

    const solarChanges: PowerChange[] = [];
    // Without solar rules there is nothing to decide (and nothing to log).
    if (s.enabled && inputs.length) {
      const result = tick(this.state, { settings: s, reading, sourceError, units: inputs }, now);
      this.state = result.state;
      for (const c of result.changes) {
        const u = byId.get(c.unitId)!;
        const input = inputs.find((i) => i.id === c.unitId)!;
        const max = input.levels ? input.levels.length - 1 : 1;
        const force = u.deviceIds.map((id) => forces.get(id)).find((f) => f?.inside);
        const state: ScheduleAction =
          c.level > 0 ? 'on' : input.forced && force ? force.action : (u.rule.off_state as ScheduleAction);
        const powerTargetW =
          c.level === 0
            ? undefined
            : c.level === max
              ? u.rule.on_power_target_w
              : u.rule.reduced_power_target_w;
        for (const id of u.deviceIds) solarChanges.push({ deviceId: id, state, powerTargetW });
      }
      for (const d of result.decisions)
        decisions.push({ ...d, deviceIds: d.unitId ? (byId.get(d.unitId)?.deviceIds ?? []) : [] });
    }

    await applyPowerChanges(ctx, direct, 'schedule');
    await applyPowerChanges(ctx, solarChanges, 'solar controller');
    for (let i = 0; i < decisions.length; i += CHUNK)
      await db
        .insertInto('solar_decisions')
        .values(
          decisions.slice(i, i + CHUNK).map((d) => ({
            at: d.at,
            rule_id: d.unitId,
            name: d.name,
            device_ids_json: JSON.stringify(d.deviceIds),
            kind: d.kind,
            from_level: d.fromLevel,
            to_level: d.toLevel,
            reason: d.reason,
            numbers_json: JSON.stringify(d.numbers),
          })),
        )
        .execute();
    await writeSetting(db, STATE_KEY, serializeState(this.state));
    if (sourceId && reading && this.state.site.controlledW !== null)
      await db
        .updateTable('energy_readings')
        .set({ controlled_w: this.state.site.controlledW })
        .where('source_id', '=', sourceId)
        .where('ts', '=', reading.at)
        .execute();
    if (this.ticks++ % 360 === 0) {
      const cutoff = now - s.historyRetentionDays * 86_400_000;
      await ctx.energy.prune(s.historyRetentionDays);
      await db.deleteFrom('solar_decisions').where('at', '<', cutoff).execute();
    }
  }
}
