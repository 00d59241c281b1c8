/**
 * Every limit the protocol enforces, named in one place so commander, sentries and tests agree.
 * Exceeding one is a clear 4xx, never a silent truncation.
 */
export const limits = {
  /** Largest JSON body the commander accepts on any route. */
  maxBodyBytes: 1024 * 1024,
  /** Largest report body: a sentry watching thousands of ASICs batches many devices at once. */
  maxReportBodyBytes: 8 * 1024 * 1024,
  /** Batches in one report request. */
  maxBatchesPerReport: 50,
  /** Device reports in one batch. */
  maxDevicesPerBatch: 5000,
  /** Pools listed for one device. */
  maxPoolsPerDevice: 10,
  /** Temperature or fan readings for one device. */
  maxReadingsPerDevice: 64,
  /** Bytes of free-form detail (boards, GPUs) kept per device report. */
  maxDetailsBytes: 64 * 1024,
  /** A playbook's script template. */
  maxScriptBytes: 64 * 1024,
  /** Playbooks on one rig. */
  maxPlaybooksPerRig: 16,
  /** Names of sentries, templates, playbooks, users. */
  maxNameLength: 100,
  /** A pool URL or wallet address. */
  maxTemplateValueLength: 256,
  /** Items in one page of a list. */
  maxPageSize: 1000,
  /** Points returned by one history query. */
  maxHistoryPoints: 20_000,
  /** A mining-software archive uploaded to the commander for offline farms. */
  maxArchiveBytes: 512 * 1024 * 1024,
  /** Devices in one group. */
  maxGroupMembers: 10_000,
  /** Messages on the push WebSocket. */
  maxPushMessageBytes: 1024 * 1024,
} as const;
