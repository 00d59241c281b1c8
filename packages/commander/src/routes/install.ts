import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import type { App } from './app-type.js';
import { commanderUrl } from './sentries.js';

/** The bundled rig sentry (`npm run build` writes it); same relative place from src/ and dist/. */
export const rigSentryBundle = fileURLToPath(
  new URL('../../../rig-sentry/dist/mrm-rig-sentry.cjs', import.meta.url),
);

const shQuote = (v: string) => `'${v.replaceAll("'", `'\\''`)}'`;

/** The one line an operator runs on a new Linux rig. */
export function rigInstallCommand(url: string, token: string): string {
  return `curl -fsSL ${shQuote(`${url}/install/rig-sentry.sh`)} | sudo sh -s -- --token ${shQuote(token)}`;
}

function installScript(url: string): string {
  return `#!/bin/sh
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
}

/** What a new rig downloads: the install script and the single-file sentry. No secrets in either. */
export function installRoutes(app: App, ctx: AppContext) {
  app.get(
    '/install/rig-sentry.sh',
    {
      config: { access: 'public' },
      schema: { tags: ['install'], summary: 'Install script for a Linux rig (takes --token)' },
    },
    async (request, reply) =>
      reply.type('text/x-shellscript; charset=utf-8').send(installScript(commanderUrl(ctx, request))),
  );
  app.get(
    '/download/mrm-rig-sentry.cjs',
    {
      config: { access: 'public' },
      schema: { tags: ['install'], summary: 'The rig sentry as one file (run with node)' },
    },
    async (_request, reply) => {
      if (!existsSync(rigSentryBundle)) {
        throw new ApiError(
          404,
          'not_found',
          'the rig sentry bundle is not built on this commander; run "npm run build" there',
        );
      }
      return reply
        .type('application/javascript')
        .header('content-length', statSync(rigSentryBundle).size)
        .header('content-disposition', 'attachment; filename="mrm-rig-sentry.cjs"')
        .send(readFileSync(rigSentryBundle));
    },
  );
}
