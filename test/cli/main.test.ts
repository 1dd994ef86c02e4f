import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackEnvironmentWorstCase } from '../../infra/lambda-environment.js';
import { runCli } from '../support/cli.js';

const sluice = runCli;

describe('CLI: sluice', () => {
  it('validates the example config and every state machine', async () => {
    const { code, output } = await sluice('validate');

    expect(code).toBe(0);
    expect(output).toContain('✓ sluice.config.yaml');
    expect(output).toMatch(/✓ .*release\.asl\.json/);
  });

  // Lambda quota: 4 KB for all environment variables of a function, measured as their JSON.
  it("prints the worst case of the functions' environment against Lambda's 4,096 bytes, with the margin", async () => {
    const { output } = await sluice('validate');

    const [, bytes, margin] =
      /Lambda environment: worst case ([\d,]+) of 4,096 bytes \(margin (-?[\d,]+)\)/.exec(output) ?? [];
    const number = (s = '') => Number(s.replaceAll(',', ''));
    expect(number(bytes) + number(margin)).toBe(4096);
    expect(number(bytes)).toBe(stackEnvironmentWorstCase('checkout').bytes);
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
