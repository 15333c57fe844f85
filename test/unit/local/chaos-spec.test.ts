import { ChaosSpecError, parseChaosSpec } from '#local/chaos/chaos.js';

describe('Function: parseChaosSpec()', () => {
  it('reads key=value pairs, defaulting every fault to none', () => {
    // Act
    const spec = parseChaosSpec(
      'cold-starts=0.01,parallelization=4,sink-failures=0.02,duplicates=0.01,late=0.01,seed=7',
    );

    // Assess
    expect(spec).toEqual({
      seed: 7,
      coldStarts: 0.01,
      crashes: 0,
      parallelization: 4,
      sinkFailures: 0.02,
      throttles: 0,
      duplicates: 0.01,
      late: 0.01,
      reorder: 0,
    });
  });

  it.each([
    ['an unknown key', 'colds=0.1', /unknown key "colds"/],
    ['a rate over 1', 'crashes=2', /probability/],
    ['a parallelization of 11', 'parallelization=11', /1 to 10/],
    ['no value', 'crashes', /key=value/],
    ['not a number', 'late=soon', /must be a number/],
  ])('refuses %s, saying why', (_case, text, message) => {
    // Act
    const parse = () => parseChaosSpec(text);

    // Assess
    expect(parse).toThrow(ChaosSpecError);
    expect(parse).toThrow(message);
  });
});
