import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configSchema } from '@reportrun/config';

const configurationDoc = new URL('../../../docs/configuration.md', import.meta.url);

describe('docs/configuration.md', () => {
  it('names every setting the configuration accepts, and none it does not', async () => {
    const text = await readFile(configurationDoc, 'utf8');
    const settings = Object.keys(configSchema.shape).toSorted();
    const missing = settings.filter((name) => !text.includes(`\`${name}\``));
    expect(missing, 'settings the configuration table does not document').toEqual([]);
    // Table rows name settings in their first cell; a row for a setting that no longer exists
    // would tell operators to set something that does nothing.
    const documented = [...text.matchAll(/^\| `([A-Z][A-Z0-9_]+)`(?: \/ `([A-Z][A-Z0-9_]+)`)?/gm)].flatMap((match) =>
      [match[1], match[2]].filter((name): name is string => name !== undefined),
    );
    const unknown = documented.filter((name) => !settings.includes(name) && !name.startsWith('S3_ZONE_'));
    expect(unknown, 'documented settings the configuration does not accept').toEqual([]);
  });
});
