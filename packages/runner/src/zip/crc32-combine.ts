/**
 * CRC-32 of a concatenation from the CRCs of its parts (zlib's `crc32_combine`, 1.2.12 form):
 * each deflate block's CRC is computed when the block is handed to the thread pool, and the
 * file's CRC is joined from them in order as blocks finish, as pigz does.
 * Arithmetic is over GF(2) polynomials modulo the reflected CRC-32 polynomial.
 */
const polynomial = 0xedb88320;

/** a(x) * b(x) mod p(x), bit-reflected. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if ((a & m) !== 0) {
      product = (product ^ b) >>> 0;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? ((b >>> 1) ^ polynomial) >>> 0 : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^n) mod p(x) for n = 0..31. */
const powersOfX: number[] = (() => {
  const table: number[] = [];
  let p = 0x40000000; // x^1
  table.push(p);
  for (let n = 1; n < 32; n += 1) {
    p = multiplyModP(p, p);
    table.push(p);
  }
  return table;
})();

/** x^(n * 2^k) mod p(x). */
function xToTheNModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(powersOfX[k & 31]!, p);
    n = Math.floor(n / 2);
    k += 1;
  }
  return p;
}

/** The CRC-32 of A followed by B, given crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(xToTheNModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
