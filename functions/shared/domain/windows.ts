/**
 * Deploy windows and freezes: when an environment may start a release. Pure: every function takes
 * the instant it judges. Wall-clock times are read in the window's IANA time zone with the
 * runtime's ICU (Node's Intl, full ICU on Lambda's Node runtimes); daylight-saving edges follow
 * the zone's rules: a window that starts in the hour a spring-forward skips opens when the clock
 * jumps, and one that starts in the hour a fall-back repeats opens the first time round.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The weekday of an index, 0 = Sunday as Date.getUTCDay counts; wraps past 6. */
function weekdayAt(index: number): Weekday {
  const day = WEEKDAYS[((index % 7) + 7) % 7];
  if (day === undefined) throw new RangeError(`no weekday at ${index}`);
  return day;
}

/** An open window: on these days, from..to in the time zone's wall-clock time (`to` may be 24:00). */
export interface DeployWindow {
  days: Weekday[];
  /** Minutes after local midnight. */
  fromMinute: number;
  /** Minutes after local midnight, after fromMinute (1440 is the end of the day). */
  toMinute: number;
  timeZone: string;
}

/** A freeze: no release may start in [from, to). */
export interface Freeze {
  from: Date;
  to: Date;
  reason: string;
}

/** A freeze an operator started (`sluice freeze start`): open-ended unless it names an end. */
export interface AdHocFreeze {
  environment: string;
  reason: string;
  by: string;
  startedAt: string;
  until?: string;
}

/** An operator's freeze as kept: ended ones say who ended them and when. */
export interface FreezeRecord extends AdHocFreeze {
  endedBy?: string;
  endedAt?: string;
}

/** Whether an operator's freeze holds at `at`: not ended, and its `until` (if any) not reached. */
export function freezeInForce(freeze: FreezeRecord | undefined, at: Date): freeze is AdHocFreeze {
  return (
    freeze !== undefined && freeze.endedAt === undefined && (!freeze.until || at < new Date(freeze.until))
  );
}

export interface WindowRules {
  windows: DeployWindow[];
  freezes: Freeze[];
  /** An operator's freeze in force, if any. */
  adHoc?: AdHocFreeze;
  /** A route allowed through freezes (a hotfix route): freezes do not hold it, windows still do. */
  passFreezes?: boolean;
}

export type WindowVerdict =
  | { open: true }
  | {
      open: false;
      /** When the environment next opens; undefined when no end is known (an open-ended freeze). */
      opensAt?: Date;
      /** Why it is closed now, in words. */
      reason: string;
    };

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time an instant shows in a time zone. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as Weekday,
  };
}

/** The zone's offset from UTC at an instant, in minutes (Berlin in summer: +120). */
function offsetMinutes(at: Date, timeZone: string): number {
  const t = localTime(at, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return Math.round((asUtc - (at.getTime() - at.getUTCMilliseconds())) / 60_000);
}

/**
 * The first instant at or after the wall-clock time `minute` (after midnight) of a local date.
 * In a spring-forward gap that is the instant the clock jumps; in a fall-back overlap, the first
 * of the two instants that show it.
 */
export function instantOf(year: number, month: number, day: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minute);
  // The two offsets around the date cover both sides of a transition on that day.
  const offsets = [
    ...new Set([
      offsetMinutes(new Date(wall - 36 * 3_600_000), timeZone),
      offsetMinutes(new Date(wall + 36 * 3_600_000), timeZone),
    ]),
  ];
  const candidates = offsets
    .map((offset) => new Date(wall - offset * 60_000))
    .filter((at) => {
      const t = localTime(at, timeZone);
      return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute) === wall;
    })
    .sort((a, b) => a.getTime() - b.getTime());
  if (candidates[0]) return candidates[0];
  // A wall-clock time the zone skips: the transition itself, the first instant after the gap.
  const [early, late] = offsets.map((offset) => wall - offset * 60_000).sort((a, b) => a - b) as [
    number,
    number,
  ];
  let lo = early;
  let hi = late;
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    const t = localTime(new Date(mid), timeZone);
    if (Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(Math.ceil(hi / 1000) * 1000);
}

/** Each opening of a window that starts on the local dates around `at`, as instants. */
function openingsAround(window: DeployWindow, at: Date, daysAhead: number): { start: Date; end: Date }[] {
  const here = localTime(at, window.timeZone);
  const out: { start: Date; end: Date }[] = [];
  for (let d = -1; d <= daysAhead; d++) {
    // Calendar arithmetic on the local date; UTC is only a carrier for the y/m/d.
    const date = new Date(Date.UTC(here.year, here.month - 1, here.day + d));
    const weekday = weekdayAt(date.getUTCDay());
    if (!window.days.includes(weekday)) continue;
    const [y, m, dd] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    out.push({
      start: instantOf(y, m, dd, window.fromMinute, window.timeZone),
      end: instantOf(y, m, dd, window.toMinute, window.timeZone),
    });
  }
  return out;
}

/** Whether `at` falls in one of the windows (no windows: always). */
export function inWindow(windows: DeployWindow[], at: Date): boolean {
  if (windows.length === 0) return true;
  return windows.some((w) => openingsAround(w, at, 0).some((o) => o.start <= at && at < o.end));
}

/** The next start of a window after `at`, within a week and a day. */
function nextWindowStart(windows: DeployWindow[], at: Date): Date | undefined {
  const starts = windows
    .flatMap((w) => openingsAround(w, at, 8))
    .map((o) => o.start)
    .filter((s) => s > at)
    .sort((a, b) => a.getTime() - b.getTime());
  return starts[0];
}

const freezeIn = (freezes: Freeze[], at: Date) => freezes.find((f) => f.from <= at && at < f.to);

/**
 * Whether the environment may start a release at `at`, and if not, why and when it next may:
 * the first instant outside every freeze (unless the route passes freezes) and inside a window.
 * An open-ended ad-hoc freeze gives no time at all.
 */
export function judgeWindow(rules: WindowRules, at: Date): WindowVerdict {
  const freezes = rules.passFreezes ? [] : rules.freezes;
  const adHoc = rules.passFreezes ? undefined : rules.adHoc;
  let reason: string | undefined;
  let t = at;
  // Each round moves t past one freeze or to one window start; a year of rounds is more than enough.
  for (let round = 0; round < 800; round++) {
    const adHocUntil = adHoc?.until ? new Date(adHoc.until) : undefined;
    if (adHoc && (!adHocUntil || t < adHocUntil)) {
      const why = `frozen by ${adHoc.by}: ${adHoc.reason}`;
      if (!adHocUntil) return { open: false, reason: reason ?? why };
      reason ??= why;
      t = adHocUntil;
      continue;
    }
    const freeze = freezeIn(freezes, t);
    if (freeze) {
      reason ??= `frozen: ${freeze.reason}`;
      t = freeze.to;
      continue;
    }
    if (!inWindow(rules.windows, t)) {
      reason ??= 'outside its deploy windows';
      const next = nextWindowStart(rules.windows, t);
      if (!next) return { open: false, reason };
      t = next;
      continue;
    }
    return reason === undefined ? { open: true } : { open: false, opensAt: t, reason };
  }
  return { open: false, reason: reason ?? 'no open window within a year' };
}

/** "09:00" → 540; "24:00" → 1440; undefined when it is not a time of day. */
export function parseClock(value: string): number | undefined {
  const match = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!match) return undefined;
  const minute = Number(match[1]) * 60 + Number(match[2]);
  return minute <= 1440 ? minute : undefined;
}

/** Weekday names and ranges: `mon-thu`, `sat`, `fri-mon` (wrapping over the weekend). */
export function expandDays(spec: string): Weekday[] | undefined {
  const [a, b] = spec.toLowerCase().split('-');
  const from = WEEKDAYS.indexOf(a as Weekday);
  const to = b === undefined ? from : WEEKDAYS.indexOf(b as Weekday);
  if (from < 0 || to < 0) return undefined;
  const days: Weekday[] = [];
  for (let i = from; ; i = (i + 1) % 7) {
    days.push(weekdayAt(i));
    if (i === to) break;
  }
  return days;
}

/** A local date (YYYY-MM-DD) or an instant with its offset, as an instant; a date is its local midnight. */
export function parseDateOrInstant(value: string, timeZone: string, endOfDay = false): Date | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const check = new Date(Date.UTC(y, m - 1, d));
    if (check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
    // A freeze's last day is frozen all day: its end is the next day's midnight.
    return endOfDay ? instantOf(y, m, d + 1, 0, timeZone) : instantOf(y, m, d, 0, timeZone);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * A Wait state's Timestamp: RFC 3339 with an uppercase T and Z, in whole seconds (Step Functions
 * truncates milliseconds, so a fraction is rounded up: the wait never ends before the window opens).
 */
export function waitTimestamp(at: Date): string {
  return new Date(Math.ceil(at.getTime() / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/** "Mon 09:00 Europe/Berlin": when a window opens, as the people who set it read it. */
export function describeLocal(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  const day = t.weekday.charAt(0).toUpperCase() + t.weekday.slice(1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day} ${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)} ${timeZone}`;
}

const fieldOf = (value: unknown, key: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;

/** "09:00-16:00" → [540, 960]; undefined unless the end is after the start. */
export function windowHours(value: string): [number, number] | undefined {
  const [from, to, ...rest] = value.split('-');
  if (rest.length > 0 || from === undefined || to === undefined) return undefined;
  const [a, b] = [parseClock(from.trim()), parseClock(to.trim())];
  return a !== undefined && b !== undefined && a < b && a < 1440 ? [a, b] : undefined;
}

/** An environment's windows as the window rules read them. */
export function windowsOf(env: {
  windows?: { days: string[]; hours: string; timeZone: string }[] | undefined;
}): DeployWindow[] {
  return (env.windows ?? []).map((w) => {
    // The schema refused any hours or days these do not parse, so neither throws on a loaded config.
    const hours = windowHours(w.hours);
    if (!hours) throw new Error(`window hours ${w.hours} do not parse`);
    const [fromMinute, toMinute] = hours;
    const days = w.days.map((d) => {
      const expanded = expandDays(d);
      if (!expanded) throw new Error(`window days ${d} do not parse`);
      return expanded;
    });
    return {
      days: [...new Set(days.flat())],
      fromMinute,
      toMinute,
      timeZone: w.timeZone,
    };
  });
}

/** One freeze of the config as instants; a date is read in the freeze's zone, the first window's, or UTC. */
export function freezeOf(freeze: unknown, windows: unknown): Freeze | undefined {
  const firstZone = fieldOf(Array.isArray(windows) ? windows[0] : undefined, 'timeZone');
  const named = fieldOf(freeze, 'timeZone') ?? firstZone;
  // A zone with its own problem reported: order the dates in UTC meanwhile.
  const zone = typeof named === 'string' && isTimeZone(named) ? named : 'UTC';
  const [from, to, reason] = ['from', 'to', 'reason'].map((k) => fieldOf(freeze, k));
  if (typeof from !== 'string' || typeof to !== 'string') return undefined;
  const start = parseDateOrInstant(from, zone);
  const end = parseDateOrInstant(to, zone, true);
  return start && end
    ? { from: start, to: end, reason: typeof reason === 'string' ? reason : '' }
    : undefined;
}

/** An environment's configured freezes as instants. */
export function freezesOf(env: {
  freezes?: unknown[] | undefined;
  windows?: unknown[] | undefined;
}): Freeze[] {
  return (env.freezes ?? []).flatMap((f) => freezeOf(f, env.windows) ?? []);
}
