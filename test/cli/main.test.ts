import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';

const sluice = runCli;

describe('CLI: sluice', () => {
  it('validates the example config and every state machine', async () => {
    const { code, output } = await sluice('validate');

    expect(code).toBe(0);
    expect(output).toContain('✓ sluice.config.yaml');
    expect(output).toMatch(/✓ .*release\.asl\.json/);
  });

  it('exits 2 with every problem of a bad config, each with its path', async () => {
    const file = join(tmpdir(), `sluice-bad-${process.pid}.yaml`);
    writeFileSync(file, 'repository: nope\nservice: x\nreleaseBranches: [main]\nenvironments: []\n');

    const { code, output } = await sluice('validate', '--config', file);

    expect(code).toBe(2);
    expect(output).toContain('repository: must be owner/name');
    expect(output).toContain('environments: must have at least one environment');
  });

  it('prints the plan of a push to a release branch as JSON', async () => {
    const { code, output } = await sluice(
      'plan',
      '--event',
      'test/fixtures/github/push-release-branch.json',
      '--json',
    );

    expect(code).toBe(0);
    expect(JSON.parse(output)).toMatchObject({
      kind: 'release',
      release: { branch: 'release/1.4' },
      environments: [{ name: 'dev', startsOn: 'push' }, { name: 'staging' }, { name: 'prod' }],
    });
  });

  it.each([
    ['push-tag.json', 'is not a branch'],
    ['push-delete.json', 'was deleted'],
  ])('says why %s is ignored', async (fixture, reason) => {
    const { code, output } = await sluice('plan', '--event', `test/fixtures/github/${fixture}`);

    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^ignored: .*${reason}`));
  });

  it('exits 2 on an unknown command', async () => {
    expect((await sluice('launch')).code).toBe(2);
  });
});
