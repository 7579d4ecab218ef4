// Blowfish's initial P-array and S-boxes are the hexadecimal digits of pi's fractional part
// (18 + 4 x 256 words). Computed once with Machin's formula instead of carrying 4 KiB of constants.

const WORDS = 18 + 4 * 256;

/** The first `WORDS` 32-bit words of frac(pi). */
export function blowfishInitialState(): Uint32Array {
  const bits = BigInt(WORDS * 32 + 64); // 64 guard bits absorb the series' rounding
  const one = 1n << bits;
  const pi = 16n * arctanInverse(5n, one) - 4n * arctanInverse(239n, one);
  const frac = (pi - 3n * one) >> 64n;
  const out = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) out[i] = Number((frac >> BigInt((WORDS - 1 - i) * 32)) & 0xffffffffn);
  return out;
}

/** arctan(1/x) scaled by `one`. */
function arctanInverse(x: bigint, one: bigint): bigint {
  const x2 = x * x;
  let power = one / x;
  let sum = power;
  for (let k = 1n; power !== 0n; k++) {
    power /= x2;
    const term = power / (2n * k + 1n);
    sum = k % 2n === 1n ? sum - term : sum + term;
  }
  return sum;
}
