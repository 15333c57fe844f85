/** Strings at least this long are measured without being written out (shorter ones cost nothing to write). */
const LONG_STRING = 4096;
/** The characters JSON.stringify escapes in an ASCII string: the control characters, `"` and `\`. */
const ESCAPED = [...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)), '"', '\\'];

/**
 * The last long string found to be written verbatim. A tumbling window's state carries the same
 * long string grown at its end at every invocation (the aggregate's seen ids), so the next one is
 * checked only past what it shares with this one: the check is per character, and a prefix of a
 * string written verbatim is written verbatim.
 */
let lastVerbatim = '';
/** The end of the last verbatim string that is not taken as shared (base64 rewrites its last group as it grows). */
const REWRITTEN_TAIL = 64;

/** Whether JSON.stringify writes the string as itself between quotes: ASCII with nothing to escape. */
function writesVerbatim(text: string): boolean {
  const shared = lastVerbatim.length - REWRITTEN_TAIL;
  const rest =
    shared >= LONG_STRING && text.length >= shared && text.startsWith(lastVerbatim.slice(0, shared))
      ? text.slice(shared)
      : text;
  if (Buffer.byteLength(rest) !== rest.length) return false;
  // One native search per character is far cheaper than JSON.stringify's escape check of every character.
  for (const char of ESCAPED) if (rest.includes(char)) return false;
  lastVerbatim = text;
  return true;
}

/**
 * `Buffer.byteLength(JSON.stringify(value))` (0 for what JSON.stringify leaves undefined), without
 * building the text of long strings that need no escaping: a tumbling window's state carries one
 * of hundreds of KiB (the aggregate's seen ids as base64), whose escape check dominated writing
 * the state out at every invocation.
 *
 * @example jsonByteLength({ seen: 'AAAA', n: 1 }) // 19, as Buffer.byteLength('{"seen":"AAAA","n":1}')
 */
export function jsonByteLength(value: unknown): number {
  let verbatim = 0;
  const text = JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member !== 'string' || member.length < LONG_STRING || !writesVerbatim(member)) return member;
    // Written as "" here: the string's own characters, one byte each, are counted aside.
    verbatim += member.length;
    return '';
  });
  return text === undefined ? 0 : Buffer.byteLength(text) + verbatim;
}
