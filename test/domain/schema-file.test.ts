import { readFileSync } from 'node:fs';
import { configJsonSchema } from '../../embedded/config.js';

describe('File: sluice.schema.json', () => {
  it('is the JSON Schema the config model generates (regenerate with `npx sluice schema > sluice.schema.json`)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../sluice.schema.json', import.meta.url), 'utf8'));

    expect(committed).toEqual(configJsonSchema());
  });
});
