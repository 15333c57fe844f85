import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { decodeBase64, encodeBase64 } from '#src/telemetry/base64.js';

describe('Function: decodeBase64() / encodeBase64()', () => {
  it('round-trips any text through UTF-8 bytes, as Buffer does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const data = encodeBase64(text);
        expect(data).toBe(Buffer.from(text, 'utf8').toString('base64'));
        expect(decodeBase64(data)).toEqual({
          text: Buffer.from(data, 'base64').toString('utf8'),
          bytes: Buffer.byteLength(text),
        });
      }),
    );
  });

  it('decodes arbitrary bytes the way Buffer does (invalid UTF-8 becomes U+FFFD)', () => {
    const data = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x41]).toString('base64');
    expect(decodeBase64(data)).toEqual({ text: Buffer.from(data, 'base64').toString('utf8'), bytes: 5 });
  });
});
