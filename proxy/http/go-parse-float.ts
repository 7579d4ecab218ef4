// Go's strconv.ParseFloat(s, 64) as Traefik's handlers use it, `w, _ := ...`: the value, or 0 where Go refuses the
// text. JavaScript's Number reads other texts than Go's: it trims whitespace and takes `0x1`, `0b1`, `0o1` as
// integers, where Go refuses them; Go takes `inf`, `infinity` and `nan` in any case, and hex floats (`0x1p-2`).

// `\d+(?:\.\d*)?`, never `\d+\.?\d*`: two digit runs side by side backtrack through every split of a long run, and
// the text is a client's (Accept-Encoding's q=): a megabyte of digits would hold the event loop for minutes.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** `text` as Go's strconv.ParseFloat reads it (±Inf past the range, as Go returns with ErrRange), else 0. */
export function goParseFloatOrZero(text: string): number {
  if (DECIMAL.test(text)) return Number(text);
  const special = SPECIAL.exec(text);
  if (special !== null) return (special[2] as string).toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity;
  const hex = HEX.exec(text);
  if (hex === null) return 0;
  const whole = hex[2] as string;
  const fraction = hex[3] ?? '';
  // Go wants at least one mantissa digit.
  if (whole === '' && fraction === '') return 0;
  const mantissa = Number.parseInt(whole + fraction || '0', 16);
  const value = mantissa * 2 ** (Number(hex[4]) - 4 * fraction.length);
  return hex[1] === '-' ? -value : value;
}
