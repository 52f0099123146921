import { encode } from 'uqr';

/** Pixels per module at the SVG's intrinsic size; it scales freely (CSS `width`). */
const MODULE_PX = 8;
/** Light modules around the symbol (ISO/IEC 18004 asks for 4). */
const QUIET_ZONE = 4;

/**
 * A QR code of `text` as a standalone SVG: one white background and one black path, no text, no scripts, no
 * external references. Horizontal runs of dark modules are merged into one rectangle each.
 *
 * @see RFC 8628 §3.3.1 (non-textual transmission of `verification_uri_complete`)
 */
export function qrCodeSvg(text: string): string {
  const { data, size } = encode(text, { ecc: 'M', border: 0 });
  const n = size + 2 * QUIET_ZONE;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size;) {
      if (!data[y]![x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && data[y]![x]) x++;
      d += `M${start + QUIET_ZONE} ${y + QUIET_ZONE}h${x - start}v1h-${x - start}z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" width="${n * MODULE_PX}" ` +
    `height="${n * MODULE_PX}" shape-rendering="crispEdges" role="img" aria-label="QR code of the sign-in link">` +
    `<rect width="${n}" height="${n}" fill="#fff"/><path fill="#000" d="${d}"/></svg>`
  );
}
