/**
 * Mining programs the commander offers when an operator creates a playbook. Each default script
 * binds the program's API to 127.0.0.1:$API_PORT, since several of these APIs can change the miner's
 * configuration and some listen on all interfaces by default. Download URLs and sha256 sums per
 * version belong to the rig sentry's installer (issue 3) and are added there.
 */
export type MinerDevice = 'cpu' | 'nvidia' | 'amd' | 'intel';

/** Platforms a rig sentry runs on; archives are chosen per platform. */
export const platforms = ['linux-x64', 'linux-arm64', 'win-x64'] as const;
export type Platform = (typeof platforms)[number];

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
  /**
   * Upstream release archive per platform, with {V} for the version. No sha256 is pinned here:
   * nobody has checked these downloads for this project yet, so a rig refuses them until an
   * operator pins a sha256 (POST /api/v1/software) or hosts the archive on the commander.
   */
  archiveUrls: Partial<Record<Platform, string>>;
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
    archiveUrls: {
      'linux-x64': 'https://github.com/xmrig/xmrig/releases/download/v{V}/xmrig-{V}-linux-static-x64.tar.gz',
      'win-x64': 'https://github.com/xmrig/xmrig/releases/download/v{V}/xmrig-{V}-msvc-win64.zip',
    },
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
    archiveUrls: {
      'linux-x64':
        'https://github.com/Lolliedieb/lolMiner-releases/releases/download/{V}/lolMiner_v{V}_Lin64.tar.gz',
      'win-x64':
        'https://github.com/Lolliedieb/lolMiner-releases/releases/download/{V}/lolMiner_v{V}_Win64.zip',
    },
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
    archiveUrls: {
      'linux-x64': 'https://github.com/bzminer/bzminer/releases/download/v{V}/bzminer_v{V}_linux.tar.gz',
      'win-x64': 'https://github.com/bzminer/bzminer/releases/download/v{V}/bzminer_v{V}_windows.zip',
    },
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
    archiveUrls: {
      'linux-x64': 'https://github.com/trexminer/T-Rex/releases/download/{V}/t-rex-{V}-linux.tar.gz',
      'win-x64': 'https://github.com/trexminer/T-Rex/releases/download/{V}/t-rex-{V}-win.zip',
    },
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
    // Archive names replace the version's dots with underscores and use .tar.xz; add them as custom software.
    archiveUrls: {},
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
    archiveUrls: {
      'linux-x64': 'https://github.com/NebuTech/NBMiner/releases/download/v{V}/NBMiner_{V}_Linux.tgz',
      'win-x64': 'https://github.com/NebuTech/NBMiner/releases/download/v{V}/NBMiner_{V}_Win.zip',
    },
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
    archiveUrls: {
      'linux-x64': 'https://github.com/todxx/teamredminer/releases/download/v{V}/teamredminer-v{V}-linux.tgz',
      'win-x64': 'https://github.com/todxx/teamredminer/releases/download/v{V}/teamredminer-v{V}-win.zip',
    },
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
    // Archive names use the version with dashes; add them as custom software.
    archiveUrls: {},
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
    archiveUrls: {
      'linux-x64': 'https://github.com/rigelminer/rigel/releases/download/{V}/rigel-{V}-linux.tar.gz',
      'win-x64': 'https://github.com/rigelminer/rigel/releases/download/{V}/rigel-{V}-win.zip',
    },
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
    archiveUrls: {
      'linux-x64':
        'https://github.com/OneZeroMiner/onezerominer/releases/download/v{V}/onezerominer-linux-{V}.tar.gz',
      'win-x64':
        'https://github.com/OneZeroMiner/onezerominer/releases/download/v{V}/onezerominer-win64-{V}.zip',
    },
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
    archiveUrls: {
      'linux-x64': 'https://github.com/miniZ-miner/miniZ/releases/download/v{V}/miniZ_v{V}_linux-x64.tar.gz',
      'win-x64': 'https://github.com/miniZ-miner/miniZ/releases/download/v{V}/miniZ_v{V}_win-x64.zip',
    },
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
    // No official Linux build: rigs build it from source or use custom software.
    archiveUrls: {
      'win-x64':
        'https://github.com/JayDDee/cpuminer-opt/releases/download/v{V}/cpuminer-opt-{V}-windows.zip',
    },
  },
];

export const catalogue: readonly CatalogueEntry[] = entries;

export function findSoftware(name: string): CatalogueEntry | undefined {
  return catalogue.find((e) => e.name === name);
}
