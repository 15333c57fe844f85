import middy from '@middy/core';
import { EVENT_TYPES, eventSchemas } from '#src/schema/registry.js';

describe('registry', () => {
  it('loads', () => {
    expect(Object.keys(eventSchemas)).toEqual([...EVENT_TYPES]);
    expect(typeof middy).toBe('function');
  });
});
