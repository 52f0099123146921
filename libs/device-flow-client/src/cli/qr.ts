import { encode } from 'uqr';

/** Light modules around the code; the QR spec asks for 4, phones read 2 reliably and it saves rows. */
const QUIET_ZONE = 2;

/**
 * A QR code of `text` for a terminal, two modules per character cell with half blocks (`▀ ▄ █`).
 * Light modules are drawn as ink, so on the usual dark terminal background the code reads the right way round;
 * with `colour`, white-on-black is forced so it also reads on light themes.
 *
 * @see RFC 8628 §3.3.1 (a QR code of `verification_uri_complete`)
 */
export function terminalQr(text: string, colour = false): string {
  const { data, size } = encode(text, { ecc: 'L', border: 0 });
  const n = size + 2 * QUIET_ZONE;
  const light = (r: number, c: number): boolean => {
    const rr = r - QUIET_ZONE;
    const cc = c - QUIET_ZONE;
    return rr < 0 || cc < 0 || rr >= size || cc >= size || !data[rr]![cc];
  };
  const rows: string[] = [];
  for (let r = 0; r < n; r += 2) {
    let line = '';
    for (let c = 0; c < n; c++) {
      const top = light(r, c);
      const bottom = r + 1 < n ? light(r + 1, c) : false;
      line += top ? (bottom ? '█' : '▀') : bottom ? '▄' : ' ';
    }
    rows.push(colour ? `\x1b[97;40m${line}\x1b[0m` : line);
  }
  return rows.join('\n');
}
