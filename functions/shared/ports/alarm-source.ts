export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStatus {
  name: string;
  /** Undefined when no alarm of that name exists. */
  state: AlarmState | undefined;
  reason?: string;
  updatedAt?: string;
}

/** Reads the state of CloudWatch alarms by name. */
export interface AlarmSource {
  /** One status per requested name, in the same order; a missing alarm has state undefined. */
  describe(names: string[]): Promise<AlarmStatus[]>;
}
