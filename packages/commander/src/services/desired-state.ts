import { createHash } from 'node:crypto';
import type {
  AsicPowerState,
  DesiredAsic,
  DesiredPlaybook,
  DesiredStateDocument,
  SignedDocument,
} from '@mrm/protocol';
import { signPayload } from '@mrm/protocol/signing';
import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { Database, SentriesTable } from '../db/schema.js';
import { resolveSoftware } from './software.js';

/** WORKER_NAME defaults to the rig's name made safe for pool logins. */
export function workerNameFor(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');
  return (cleaned || 'rig').slice(0, 64);
}

async function rigPlaybooks(db: Kysely<Database>, sentryId: string): Promise<DesiredPlaybook[]> {
  const rig = await db
    .selectFrom('devices')
    .select(['id', 'name', 'power_state', 'power_target_w'])
    .where('sentry_id', '=', sentryId)
    .where('kind', '=', 'rig')
    .executeTakeFirst();
  if (!rig) return [];
  // A rig set to sleep or off (a schedule, the solar controller) runs no playbooks until it is on again.
  if (rig.power_state === 'sleep' || rig.power_state === 'off') return [];
  const playbooks = await db
    .selectFrom('playbooks')
    .selectAll()
    .where('rig_id', '=', rig.id)
    .where('enabled', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .execute();
  // Parsed once: the template ids to load, then each playbook's placeholder → template id.
  const refsOf = new Map(playbooks.map((p) => [p.id, JSON.parse(p.values_json) as Record<string, string>]));
  const templateIds = new Set([...refsOf.values()].flatMap((refs) => Object.values(refs)));
  const templates = templateIds.size
    ? await db
        .selectFrom('templates')
        .select(['id', 'value'])
        .where('id', 'in', [...templateIds])
        .execute()
    : [];
  const templateValue = new Map(templates.map((t) => [t.id, t.value]));
  const software = new Map<string, Awaited<ReturnType<typeof resolveSoftware>>>();
  for (const p of playbooks) {
    const key = `${p.software_name}@${p.software_version}`;
    if (!software.has(key)) software.set(key, await resolveSoftware(db, p.software_name, p.software_version));
  }
  return playbooks.map((p) => {
    const sw = software.get(`${p.software_name}@${p.software_version}`);
    const values: Record<string, string> = {};
    const refs = refsOf.get(p.id)!;
    for (const key of Object.keys(refs).sort()) {
      const v = templateValue.get(refs[key]!);
      if (v !== undefined) values[key] = v;
    }
    values.API_PORT = String(p.api_port);
    values.WORKER_NAME = p.worker_name ?? workerNameFor(rig.name);
    return {
      id: p.id,
      name: p.name,
      // A program whose entry was removed still goes out, with no archives: the rig reports why it cannot install it.
      software: sw ?? {
        name: p.software_name,
        version: p.software_version,
        executable: p.software_name,
        adapter: 'none',
        archives: {},
      },
      script: p.script,
      values,
      apiPort: p.api_port,
      // A rig-wide power target (the solar controller's lower limit) overrides the playbook's own.
      gpuPowerLimitW: rig.power_target_w ?? p.gpu_power_limit_w,
    };
  });
}

async function sentryAsics(db: Kysely<Database>, sentryId: string): Promise<DesiredAsic[]> {
  const rows = await db
    .selectFrom('devices')
    .select(['id', 'name', 'asic_type', 'asic_ip', 'asic_port', 'power_state', 'power_target_w', 'key'])
    .where('sentry_id', '=', sentryId)
    .where('kind', '=', 'asic')
    .orderBy('key')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    type: r.asic_type ?? 'auto',
    ip: r.asic_ip ?? r.key,
    port: r.asic_port,
    powerState: (r.power_state ?? 'on') as AsicPowerState,
    powerTargetW: r.power_target_w,
  }));
}

export interface CurrentState {
  revision: number;
  etag: string;
  /** Built lazily: a 304 answer needs no signature. */
  sign(): SignedDocument;
}

/**
 * The sentry's desired state now. The revision rises only when the content's hash changes, so any
 * change (a playbook, a template it uses, an ASIC) is noticed without tracking who depends on what.
 */
export async function currentDesiredState(ctx: AppContext, sentry: SentriesTable): Promise<CurrentState> {
  const { db } = ctx.store;
  const content =
    sentry.kind === 'rig'
      ? { kind: 'rig' as const, sentryId: sentry.id, playbooks: await rigPlaybooks(db, sentry.id) }
      : { kind: 'asic' as const, sentryId: sentry.id, asics: await sentryAsics(db, sentry.id) };
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  let revision = sentry.state_revision;
  if (hash !== sentry.state_hash) {
    const bumped = await db
      .updateTable('sentries')
      .set({ state_revision: sentry.state_revision + 1, state_hash: hash })
      .where('id', '=', sentry.id)
      .where('state_revision', '=', sentry.state_revision)
      .executeTakeFirst();
    if (Number(bumped.numUpdatedRows) === 1) {
      revision = sentry.state_revision + 1;
    } else {
      // Another request (or commander) bumped it first; use what it stored.
      const row = await db
        .selectFrom('sentries')
        .select('state_revision')
        .where('id', '=', sentry.id)
        .executeTakeFirstOrThrow();
      revision = row.state_revision;
    }
  }
  const etag = `"${revision}-${hash.slice(0, 16)}"`;
  return {
    revision,
    etag,
    sign() {
      const doc: DesiredStateDocument = { ...content, revision, issuedAt: ctx.now() } as DesiredStateDocument;
      return signPayload(JSON.stringify(doc), ctx.signingKey.privateKey, ctx.signingKey.publicKey);
    },
  };
}
