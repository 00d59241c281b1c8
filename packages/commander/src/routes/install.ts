import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { App } from './app-type.js';
import { commanderUrl } from './sentries.js';

type Kind = 'rig' | 'asic';

/** The bundled sentries (`npm run build` writes them); same relative place from src/ and dist/. */
export const sentryBundles: Record<Kind, string> = {
  rig: fileURLToPath(new URL('../../../rig-sentry/dist/mrm-rig-sentry.cjs', import.meta.url)),
  asic: fileURLToPath(new URL('../../../asic-sentry/dist/mrm-asic-sentry.cjs', import.meta.url)),
};
export const rigSentryBundle = sentryBundles.rig;

const shQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

/** The one line an operator runs on a new Linux rig, or on the LAN machine of an ASIC sentry. */
export function installCommand(kind: Kind, url: string, token: string): string {
  return `curl -fsSL ${shQuote(`${url}/install/${kind}-sentry.sh`)} | sudo sh -s -- --token ${shQuote(token)}`;
}

export const rigInstallCommand = (url: string, token: string) => installCommand('rig', url, token);

function installScript(kind: Kind, url: string): string {
  const what = kind === 'rig' ? 'rig sentry' : 'ASIC sentry';
  const script = `#!/bin/sh
# Mining Rig Monitor: installs the rig sentry as a systemd service and enrols it with
#   ${url}
# Usage: curl -fsSL ${url}/install/rig-sentry.sh | sudo sh -s -- --token TOKEN
set -eu
COMMANDER_URL=${shQuote(url)}
TOKEN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --token) TOKEN="$2"; shift 2 ;;
    --token=*) TOKEN="\${1#--token=}"; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
[ -n "$TOKEN" ] || { echo "usage: rig-sentry.sh --token TOKEN (the token shown when the sentry was created)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (sudo): the sentry installs a systemd service" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "Node.js 20.19 or newer is needed: install it first (e.g. apt-get install nodejs)" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \\
  || { echo "Node.js 20.19 or newer is needed; this machine has $(node --version)" >&2; exit 1; }
INSTALL_DIR=/opt/mrm-rig-sentry
STATE_DIR=/var/lib/mrm-rig-sentry
mkdir -p "$INSTALL_DIR" "$STATE_DIR"
chmod 700 "$STATE_DIR"
echo "downloading the rig sentry from $COMMANDER_URL"
curl -fsSL "$COMMANDER_URL/download/mrm-rig-sentry.cjs" -o "$INSTALL_DIR/mrm-rig-sentry.cjs.new"
mv "$INSTALL_DIR/mrm-rig-sentry.cjs.new" "$INSTALL_DIR/mrm-rig-sentry.cjs"
NODE_BIN="$(command -v node)"
"$NODE_BIN" "$INSTALL_DIR/mrm-rig-sentry.cjs" enroll --url "$COMMANDER_URL" --token "$TOKEN" --state-dir "$STATE_DIR"
cat > /etc/systemd/system/mrm-rig-sentry.service <<UNIT
[Unit]
Description=Mining Rig Monitor rig sentry
After=network-online.target
Wants=network-online.target

[Service]
# A small young generation keeps the daemon's resident memory low (docs/benchmarks.md).
ExecStart=$NODE_BIN --max-semi-space-size=1 $INSTALL_DIR/mrm-rig-sentry.cjs run --state-dir $STATE_DIR
Restart=always
RestartSec=5
# Miners run in their own process groups; the sentry stops them itself on shutdown.
KillMode=mixed
TimeoutStopSec=30

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now mrm-rig-sentry.service
echo "OK: mrm-rig-sentry is running; see: $NODE_BIN $INSTALL_DIR/mrm-rig-sentry.cjs status --state-dir $STATE_DIR"
`;
  // One script for both: the names differ, and only the rig sentry runs miners of its own.
  return kind === 'rig'
    ? script
    : script
        .replaceAll('mrm-rig-sentry', 'mrm-asic-sentry')
        .replaceAll('rig-sentry.sh', 'asic-sentry.sh')
        .replaceAll('the rig sentry', `the ${what}`)
        .replace('Mining Rig Monitor rig sentry', 'Mining Rig Monitor ASIC sentry')
        .replace(
          '# Miners run in their own process groups; the sentry stops them itself on shutdown.\nKillMode=mixed\n',
          '',
        )
        .replace('on a Linux rig', 'on the LAN');
}

/** What a new rig or ASIC sentry machine downloads: the install script and the single-file sentry. No secrets. */
export function installRoutes(app: App, ctx: AppContext) {
  for (const kind of ['rig', 'asic'] as const) {
    const name = `mrm-${kind}-sentry`;
    app.get(
      `/install/${kind}-sentry.sh`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['install'],
          summary: `Install script for the ${kind === 'rig' ? 'rig' : 'ASIC'} sentry on Linux (takes --token)`,
        },
      },
      async (request, reply) =>
        reply.type('text/x-shellscript; charset=utf-8').send(installScript(kind, commanderUrl(ctx, request))),
    );
    app.get(
      `/download/${name}.cjs`,
      {
        config: { access: 'public' },
        schema: {
          tags: ['install'],
          summary: `The ${kind === 'rig' ? 'rig' : 'ASIC'} sentry as one file (run with node)`,
        },
      },
      async (_request, reply) => {
        const file = sentryBundles[kind];
        if (!existsSync(file)) {
          throw new ApiError(
            404,
            'not_found',
            `the ${kind} sentry bundle is not built on this commander; run "npm run build" there`,
          );
        }
        return reply
          .type('application/javascript')
          .header('content-length', statSync(file).size)
          .header('content-disposition', `attachment; filename="${name}.cjs"`)
          .send(readFileSync(file));
      },
    );
  }
}
