import { describe, expect, it } from 'vitest';
import { fillPlaceholders, placeholdersIn, poolUrlProblem, walletProblem } from '../src/index.js';

describe('placeholders', () => {
  it('finds $NAME and ${NAME} forms once each, in order, and ignores look-alikes', () => {
    const script =
      './m -o $GPU_POOL_1 -u ${GPU_WALLET_1}.$WORKER_NAME --api $API_PORT $GPU_POOL_10 $HOME $GPU_POOL_1';
    expect(placeholdersIn(script)).toEqual(['GPU_POOL_1', 'GPU_WALLET_1', 'WORKER_NAME', 'API_PORT']);
  });

  it('fills placeholders with the caller-quoted values and leaves unknown ones as they are', () => {
    const out = fillPlaceholders('./xmrig -o $CPU_POOL -u $CPU_WALLET -p $WORKER_NAME $HOME', {
      CPU_POOL: "'stratum+tcp://a:1'",
      CPU_WALLET: "'w'",
    });
    expect(out).toBe("./xmrig -o 'stratum+tcp://a:1' -u 'w' -p $WORKER_NAME $HOME");
  });
});

describe('template values', () => {
  it.each([
    ['stratum+tcp://pool.example:3333', null],
    ['STRATUM+SSL://pool.example:443', null],
    ['stratum2+tcp://pool.example:3336/path', null],
    ['stratum+tcp://[2001:db8::1]:3333', null],
    ['http://pool.example:80', /not supported/],
    ['pool.example:3333', /scheme/],
    ['stratum+tcp://pool.example', /host:port/],
    ['stratum+tcp://-bad.example:1', /host:port/],
    ['stratum+tcp://pool.example:0', /port/],
  ])('pool %s', (value, problem) => {
    const p = poolUrlProblem(value);
    if (problem === null) expect(p).toBeNull();
    else expect(p).toMatch(problem);
  });

  it.each([
    ['44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A', true],
    ['0x52908400098527886E0F7030069857D2E4169EE7.rig1', true],
    ['kaspa:qr0lr4ml9fn3chekrqmjdkergxl93l4wrk3dankcgvjq776s9wn9jkdskewva', true],
    ['bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh+4096', true],
    ["w'; reboot #", false],
    ['w`id`', false],
    ['w|nc', false],
  ])('wallet %s accepted: %s', (value, ok) => {
    expect(walletProblem(value) === null).toBe(ok);
  });
});
