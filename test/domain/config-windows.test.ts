import { parseConfigFile } from '../../embedded/config.js';
import { ConfigError, freezesOf, windowsOf } from '../../functions/shared/domain/config.js';
import { exampleDocument } from '../support/config.js';

/** The problems of a document, one a line, or [] when it is valid. */
function problems(document: unknown): string[] {
  try {
    parseConfigFile(document, 'sluice.config.yaml');
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n').slice(1);
  }
}

describe('Domain: config — deploy windows and freezes', () => {
  it('reads prod Mon–Thu 09:00–16:00 Europe/Berlin and a year-end freeze as instants', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[2].windows = [
      { days: ['mon-thu'], hours: '09:00-16:00', timeZone: 'Europe/Berlin' },
    ];
    document.environments[2].freezes = [{ from: '2026-12-21', to: '2027-01-04', reason: 'year-end freeze' }];
    document.routes[1].passFreezes = true;

    // Act
    const config = parseConfigFile(document, 'sluice.config.yaml');
    const prod = config.environments[2]!;

    // Assess
    expect(windowsOf(prod)).toEqual([
      { days: ['mon', 'tue', 'wed', 'thu'], fromMinute: 540, toMinute: 960, timeZone: 'Europe/Berlin' },
    ]);
    // Dates are read in the first window's zone; the last day is frozen all day.
    expect(freezesOf(prod)).toEqual([
      {
        from: new Date('2026-12-20T23:00:00Z'),
        to: new Date('2027-01-04T23:00:00Z'),
        reason: 'year-end freeze',
      },
    ]);
    expect(config.routes?.[1]?.passFreezes).toBe(true);
  });

  it('reports an unknown zone, a bad day, backwards hours and a freeze that ends before it starts, each at its path', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[2].windows = [
      { days: ['mon', 'funday'], hours: '16:00-09:00', timeZone: 'Europe/Atlantis' },
    ];
    document.environments[2].freezes = [{ from: '2027-01-04', to: '2026-12-21', reason: 'backwards' }];

    // Act
    const lines = problems(document);

    // Assess
    expect(lines).toEqual([
      '  environments[2].windows[0].days[1]: must be a weekday (mon…sun) or a range (mon-thu)',
      '  environments[2].windows[0].hours: must be HH:MM-HH:MM with the end after the start (24:00 at most)',
      '  environments[2].windows[0].timeZone: must be an IANA time zone such as Europe/Berlin or UTC',
      '  environments[2].freezes[0].to: must be after from',
    ]);
  });

  // The pipeline may wait maxWindowWait before each environment: the route's walk must still fit
  // in the pipeline execution's 72 h, or Step Functions would time it out mid-release.
  it('counts each environment’s maxWindowWait in the route’s limit and names it', () => {
    // Prepare
    const document = exampleDocument();
    document.environments[2].maxWindowWait = '60h';

    // Act
    const lines = problems(document);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ {2}routes\[0\]: a push on this route \(release\/\*, main\) can take .*prod window wait 60h \+ /,
    );
    expect(lines[0]).toContain('the window waits (maxWindowWait)');
  });
});
