import { colorFor, RULES as PAGE_RULES } from '#local/ui/page/palette.js';
import { RULES } from '#src/telemetry/event.js';

describe('The page palette', () => {
  it('has a colour for every rule of the pipeline, in the contract order', () => {
    expect(PAGE_RULES.length).toBeGreaterThan(0);
    expect(PAGE_RULES).toEqual([...RULES]);
  });

  it('gives a car colour its own colour, and any other name a stable one', () => {
    expect(colorFor('Red')).toBe('#d62828');
    expect(colorFor('model Tesla Model 3')).toBe(colorFor('model Tesla Model 3'));
    expect(colorFor('model Tesla Model 3')).toMatch(/^#[0-9a-f]{6}$/);
  });
});
