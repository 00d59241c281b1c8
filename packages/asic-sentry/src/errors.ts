/** Why talking to one ASIC failed, in words an operator can act on. */
export type AsicErrorReason =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'too_large'
  | 'malformed'
  | 'auth'
  | 'http_status'
  | 'wrong_type'
  | 'unsupported'
  | 'refused_command';

export class AsicError extends Error {
  constructor(
    readonly reason: AsicErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'AsicError';
  }
}

/** Maps socket errors to reasons; anything else keeps its message. */
export function fromSocketError(err: unknown, where: string): AsicError {
  if (err instanceof AsicError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED') return new AsicError('refused', `${where}: connection refused`);
  if (code === 'ETIMEDOUT') return new AsicError('timeout', `${where}: no answer in time`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL')
    return new AsicError('unreachable', `${where}: host unreachable`);
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new AsicError('unreachable', `${where}: connection reset`);
  return new AsicError('unreachable', `${where}: ${(err as Error)?.message ?? String(err)}`);
}
