/**
 * Mining programs the commander offers when an operator creates a playbook. Each default script
 * binds the program's API to 127.0.0.1:$API_PORT, since several of these APIs can change the miner's
 * configuration and some listen on all interfaces by default. Download URLs and sha256 sums per
 * version belong to the rig sentry's installer (issue 3) and are added there.
 */
export type MinerDevice = 'cpu' | 'nvidia' | 'amd' | 'intel';

export interface CatalogueEntry {
  /** Stable id used in playbooks. */
  name: string;
  displayName: string;
  devices: MinerDevice[];
  /** Newest first; the first is the default. */
  versions: string[];
  /** Executable inside the archive (without .exe). */
  executable: string;
  /** Default script body for Linux (sh); Windows uses the same arguments after the .exe. */
  defaultScript: string;
  /**
   * Whether the program has a flag to bind its API to loopback (the default script uses it).
   * Where it has none, the rig sentry must keep the port off the network by other means.
   */
  apiBindsLoopback: boolean;
}

const entries: CatalogueEntry[] = [
  {
    name: 'xmrig',
    displayName: 'XMRig',
    devices: ['cpu', 'nvidia', 'amd'],
    versions: ['6.22.2', '6.21.3'],
    executable: 'xmrig',
    defaultScript:
      './xmrig --url $CPU_POOL --user $CPU_WALLET --pass $WORKER_NAME --donate-level 1 --http-host 127.0.0.1 --http-port $API_PORT --no-color',
    apiBindsLoopback: true,
  },
  {
    name: 'lolminer',
    displayName: 'lolMiner',
    devices: ['nvidia', 'amd', 'intel'],
    versions: ['1.92', '1.91'],
    executable: 'lolMiner',
    defaultScript:
      './lolMiner --algo ETCHASH --pool $GPU_POOL_1 --user $GPU_WALLET_1 --worker $WORKER_NAME --apihost 127.0.0.1 --apiport $API_PORT --watchdog off',
    apiBindsLoopback: true,
  },
  {
    name: 'bzminer',
    displayName: 'BzMiner',
    devices: ['nvidia', 'amd', 'intel'],
    versions: ['21.5.3', '21.4.0'],
    executable: 'bzminer',
    defaultScript:
      './bzminer -a kaspa -p $GPU_POOL_1 -w $GPU_WALLET_1 -r $WORKER_NAME --http_enabled 1 --http_address 127.0.0.1 --http_port $API_PORT --nc 1',
    apiBindsLoopback: true,
  },
  {
    name: 't-rex',
    displayName: 'T-Rex',
    devices: ['nvidia'],
    versions: ['0.26.8'],
    executable: 't-rex',
    defaultScript:
      './t-rex -a kawpow -o $GPU_POOL_1 -u $GPU_WALLET_1 -w $WORKER_NAME --api-bind-http 127.0.0.1:$API_PORT --api-read-only --api-bind-telnet 0 --no-watchdog',
    apiBindsLoopback: true,
  },
  {
    name: 'gminer',
    displayName: 'GMiner',
    devices: ['nvidia', 'amd'],
    versions: ['3.44', '3.43'],
    executable: 'miner',
    defaultScript:
      './miner --algo kheavyhash --server $GPU_POOL_1 --user $GPU_WALLET_1 --worker $WORKER_NAME --api 127.0.0.1:$API_PORT --watchdog 0',
    apiBindsLoopback: true,
  },
  {
    name: 'nbminer',
    displayName: 'NBMiner',
    devices: ['nvidia', 'amd'],
    versions: ['42.3'],
    executable: 'nbminer',
    defaultScript:
      './nbminer -a kawpow -o $GPU_POOL_1 -u $GPU_WALLET_1.$WORKER_NAME --api 127.0.0.1:$API_PORT --no-watchdog',
    apiBindsLoopback: true,
  },
  {
    name: 'teamredminer',
    displayName: 'TeamRedMiner',
    devices: ['amd'],
    versions: ['0.10.21'],
    executable: 'teamredminer',
    defaultScript:
      './teamredminer -a kawpow -o $GPU_POOL_1 -u $GPU_WALLET_1.$WORKER_NAME -p x --api_listen=127.0.0.1:$API_PORT --no_gpu_monitor_init',
    apiBindsLoopback: true,
  },
  {
    name: 'srbminer-multi',
    displayName: 'SRBMiner-MULTI',
    devices: ['cpu', 'nvidia', 'amd', 'intel'],
    versions: ['2.9.8', '2.9.7'],
    executable: 'SRBMiner-MULTI',
    defaultScript:
      './SRBMiner-MULTI --algorithm randomx --pool $CPU_POOL --wallet $CPU_WALLET --worker $WORKER_NAME --api-enable --api-port $API_PORT --disable-gpu-watchdog --disable-cpu-watchdog',
    apiBindsLoopback: false,
  },
  {
    name: 'rigel',
    displayName: 'Rigel',
    devices: ['nvidia'],
    versions: ['1.22.3', '1.22.2'],
    executable: 'rigel',
    defaultScript:
      './rigel -a kheavyhash -o $GPU_POOL_1 -u $GPU_WALLET_1 -w $WORKER_NAME --api-bind 127.0.0.1:$API_PORT --no-watchdog',
    apiBindsLoopback: true,
  },
  {
    name: 'onezerominer',
    displayName: 'OneZeroMiner',
    devices: ['nvidia', 'amd'],
    versions: ['1.4.7', '1.4.6'],
    executable: 'onezerominer',
    defaultScript:
      './onezerominer -a dynex -o $GPU_POOL_1 -w $GPU_WALLET_1 --worker $WORKER_NAME --api-host 127.0.0.1 --api-port $API_PORT',
    apiBindsLoopback: true,
  },
  {
    name: 'miniz',
    displayName: 'miniZ',
    devices: ['nvidia', 'amd'],
    versions: ['2.4e', '2.4d'],
    executable: 'miniZ',
    defaultScript:
      './miniZ --par=144,5 --url=$GPU_WALLET_1.$WORKER_NAME@$GPU_POOL_1 --telemetry=127.0.0.1:$API_PORT --nohttpheaders',
    apiBindsLoopback: true,
  },
  {
    name: 'cpuminer-opt',
    displayName: 'cpuminer-opt',
    devices: ['cpu'],
    versions: ['25.6', '25.5'],
    executable: 'cpuminer',
    defaultScript:
      './cpuminer -a yespower -o $CPU_POOL -u $CPU_WALLET.$WORKER_NAME -p x -b 127.0.0.1:$API_PORT',
    apiBindsLoopback: true,
  },
];

export const catalogue: readonly CatalogueEntry[] = entries;

export function findSoftware(name: string): CatalogueEntry | undefined {
  return catalogue.find((e) => e.name === name);
}
