/** Zeros to put between a decimal point and a fraction's first digit, by count. */
const ZEROS = ['', '0', '00', '000', '0000', '00000'];

/**
 * `String(scaled / 10 ** decimals)` for an integer `scaled` (|scaled| < 2^31) and 0 to 6 decimals
 * (below 10^-6 JavaScript writes an exponent), from integer arithmetic: about twice as fast as
 * formatting the double, on the simulator's hot path.
 * The same text: `scaled / 10 ** decimals` is the double nearest the decimal `scaled`·10^-decimals
 * (IEEE division rounds correctly), and JavaScript prints the shortest decimal that reads back as
 * that double, which is this decimal without its trailing zeros (any shorter one is at least one
 * unit of the last decimal away, far more than the double's precision at these magnitudes).
 *
 * @example decimalText(-224721, 6) // '-0.224721', as String(-0.224721)
 */
export function decimalText(scaled: number, decimals: number): string {
  if (scaled === 0) return '0';
  const negative = scaled < 0;
  const magnitude = negative ? -scaled : scaled;
  const unit = 10 ** decimals;
  const whole = Math.floor(magnitude / unit);
  let fraction = magnitude - whole * unit;
  let text: string;
  if (fraction === 0) text = String(whole);
  else {
    let width = decimals;
    while (fraction % 10 === 0) {
      fraction /= 10;
      width--;
    }
    const digits = String(fraction);
    text = `${whole}.${ZEROS[width - digits.length]}${digits}`;
  }
  return negative ? `-${text}` : text;
}
