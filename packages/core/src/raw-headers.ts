/**
 * undici hands raw headers over as Buffers ([name, value, ...]); node:http and the hop-by-hop
 * helpers work on strings. Latin-1 keeps every byte as one character, so nothing is lost.
 */
export function rawHeaderStrings(raw: readonly Buffer[]): string[] {
  const out = new Array<string>(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i] as Buffer).toString('latin1');
  return out;
}
