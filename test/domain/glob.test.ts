import fc from 'fast-check';
import picomatch from 'picomatch';
import { matchesAny } from '../../functions/shared/domain/glob.js';

const PATTERNS = [
  'main',
  'release/*',
  'release/**',
  'hotfix/*',
  'release/v?.*',
  'release/[0-9]*',
  'release/[!x]*',
  'release/[^x]*',
  '{main,master}',
  'release/{1.*,2.*}',
  '**',
  '**/stable',
  'feature/**/done',
  'a.b+c',
];
const BRANCHES = [
  'main',
  'master',
  'release/1.4',
  'release/v1.2',
  'release/x1',
  'release/1.4/hotfix',
  'hotfix/cve-1',
  'hotfix/a/b',
  'feature/x/y/done',
  'feature/done',
  'stable',
  'team/stable',
  'a.b+c',
  'aXb+c',
  'release/',
];

describe('Domain: branch globs', () => {
  it.each(PATTERNS)('matches like picomatch for %s', (pattern) => {
    for (const branch of BRANCHES)
      expect([branch, matchesAny([pattern], branch)]).toEqual([branch, picomatch(pattern)(branch)]);
  });

  it('matches like picomatch on generated branch names', () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...PATTERNS),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
        (pattern, parts) => {
          const branch = parts.join('/');
          expect(matchesAny([pattern], branch)).toBe(picomatch(pattern)(branch));
        },
      ),
    );
  });
});
