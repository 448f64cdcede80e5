import { describe, expect, it } from 'vitest';
import { recordCounterFor } from '../src/index.ts';

/** Counts `text` fed in chunks cut at every given offset, so state must survive each boundary. */
function countIn(format: 'csv' | 'json', text: string, cuts: number[]): number {
  const bytes = Buffer.from(text);
  const counter = recordCounterFor(format);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    counter.count(bytes.subarray(from, cut));
    from = cut;
  }
  return counter.records;
}

// What Postgres's COPY (FORMAT csv, HEADER) writes for awkward cells: quoted line breaks,
// doubled quotes, a quoted CR LF, and an empty quoted field.
const csv = [
  'id,description,amount',
  'txn_1,Payment,100',
  'txn_2,"Line one\nLine two",200',
  'txn_3,"O\'Brien\'s ""quoted"" order",300',
  'txn_4,"Carriage\r\nreturn",400',
  'txn_5,"",500',
  'txn_6,"""\n""",600',
  '',
].join('\n');

describe('counting rows in an export without parsing it', () => {
  it('a line break inside a quoted CSV field is not a row, and the header is not a row', () => {
    expect(countIn('csv', csv, [])).toBe(6);
  });

  it('the count is the same wherever the stream is cut into chunks', () => {
    const length = Buffer.byteLength(csv);
    for (let cut = 0; cut <= length; cut += 1) expect(countIn('csv', csv, [cut])).toBe(6);
    const everyByte = Array.from({ length }, (_, index) => index);
    expect(countIn('csv', csv, everyByte)).toBe(6);
  });

  it('a CSV with only its header has no rows', () => {
    expect(countIn('csv', 'id,amount\n', [])).toBe(0);
  });

  it('JSON Lines counts one row per line, whatever quotes its strings hold', () => {
    const lines = ['{"id":"a","d":"say \\"hi\\"\\nthere"}', '{"id":"b","d":"\\""}', '{"id":"c","d":null}', ''].join('\n');
    expect(countIn('json', lines, [])).toBe(3);
    expect(countIn('json', lines, [5, 17, 18, 40])).toBe(3);
  });
});
