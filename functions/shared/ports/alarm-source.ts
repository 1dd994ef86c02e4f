export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  name: string;
  /** Undefined when no alarm of that name exists. */
  state: AlarmState | undefined;
  reason?: string;
  updatedAt?: string;
}

/** An alarm's change into ALARM, from its history. */
export interface AlarmEpisode {
  name: string;
  /** When it went into ALARM (ISO). */
  at: string;
  reason?: string;
}

/** Reads the state of CloudWatch alarms by name. */
export interface AlarmSource {
  /** One status per requested name, in the same order; a missing alarm has state undefined. */
  describe(names: string[]): Promise<AlarmStatus[]>;
  /**
   * The first change of each named alarm into ALARM at or after `since`, oldest first (an alarm
   * that fired and cleared since counts); alarms that did not go into ALARM are absent.
   */
  alarmedSince(names: string[], since: Date): Promise<AlarmEpisode[]>;
}
