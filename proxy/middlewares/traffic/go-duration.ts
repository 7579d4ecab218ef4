// Go's time.Duration.String(), for X-Retry-In: "1.5s", "999.9ms", "1m0s", "250µs", "0s".

const SECOND = 1_000_000_000;

/** Formats a whole number of nanoseconds exactly as Go prints a time.Duration. */
export function formatGoDuration(nanoseconds: number): string {
  const negative = nanoseconds < 0;
  const ns = Math.trunc(Math.abs(nanoseconds));
  const text = ns < SECOND ? formatSubSecond(ns) : formatSeconds(ns);
  return negative ? `-${text}` : text;
}

function formatSubSecond(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  if (ns < 1_000_000) return `${withFraction(ns, 3)}µs`;
  return `${withFraction(ns, 6)}ms`;
}

function formatSeconds(ns: number): string {
  const wholeSeconds = Math.floor(ns / SECOND);
  const fraction = fractionDigits(ns % SECOND, 9);
  const seconds = `${wholeSeconds % 60}${fraction}s`;
  const minutes = Math.floor(wholeSeconds / 60);
  if (minutes === 0) return seconds;
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes}m${seconds}` : `${hours}h${minutes % 60}m${seconds}`;
}

/** value / 10^digits with the fraction's trailing zeros (and a bare point) dropped, as Go's fmtFrac. */
function withFraction(value: number, digits: number): string {
  const unit = 10 ** digits;
  return `${Math.floor(value / unit)}${fractionDigits(value % unit, digits)}`;
}

function fractionDigits(remainder: number, digits: number): string {
  if (remainder === 0) return '';
  return `.${String(remainder).padStart(digits, '0').replace(/0+$/, '')}`;
}
