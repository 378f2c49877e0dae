import type { EventOfType } from '../../sdk/core.ts';
import { formatDuration, fraudAlert, type RuleResult } from './rule.ts';
import { entriesOf, expire, idsOf, latest, slide, stored, upTo, type Window } from './window.ts';

/**
 * `account_takeover` (docs/domain-rules.md): ≥ `failures` login_failed in the `windowMs` before a
 * login_succeeded from a country or device not seen in the user's earlier successful logins, then
 * an account_updated of email or payment_method within `windowMs` after that login. "Within" as the
 * rules page defines it for every window: `update.ts − login.ts < windowMs`, so an update exactly
 * `windowMs` after the login is too late. Severity critical. Once per suspicious login.
 */
export interface AccountTakeoverRule {
  failures: number;
  windowMs: number;
}

/** The user-state slice of this rule. */
export interface AccountTakeoverState {
  /** login_failed of the window, `[ts, eventId, …]`, at most 2 × `failures` of them. */
  failures?: Window;
  /**
   * Countries, and devices, of successful logins: the last `KNOWN_LOGINS` distinct ones, least
   * recently used first, joined by spaces. One string rather than an array (~60 bytes of heap
   * each, a million users); a space cannot occur in a country code or device id (schemas).
   */
  countries?: string;
  devices?: string;
  /** A suspicious login still waiting, within the window, for the update that completes it. */
  suspect?: SuspectLogin;
}

/** A successful login from a new country or device after enough failures. */
export interface SuspectLogin {
  id: string;
  ts: number;
  country: string;
  deviceId: string;
  newCountry: boolean;
  newDevice: boolean;
  /** Ids of the failures before it, oldest first (the start of the alert's reasons). */
  failureIds: string[];
}

/** Records a failed login in the failures window. */
export function onLoginFailed(
  state: AccountTakeoverState,
  failure: EventOfType<'login_failed'>,
  rule: AccountTakeoverRule,
): AccountTakeoverState {
  const window = slide(entriesOf(state.failures, false), { ts: failure.ts, id: failure.id }, rule.windowMs, 2 * rule.failures);
  return { ...slice(state, failure.ts, rule), failures: stored(window.entries, false) };
}

/**
 * Judges a successful login against the failures before it and the countries and devices seen so
 * far, remembering it as the suspect when it is one, then learns its country and device.
 */
export function onLoginSucceeded(
  state: AccountTakeoverState,
  login: EventOfType<'login_succeeded'>,
  rule: AccountTakeoverRule,
): AccountTakeoverState {
  const { country, deviceId } = login.data;
  const all = entriesOf(state.failures, false);
  const before = upTo(expire(all, login.ts - rule.windowMs), login.ts);
  const newCountry = !isKnown(state.countries, country);
  const newDevice = !isKnown(state.devices, deviceId);
  const suspicious = before.length >= rule.failures && (newCountry || newDevice);
  const failureIds = idsOf(before);
  return {
    failures: stored(expire(all, latest(all, login.ts) - rule.windowMs), false),
    countries: remember(state.countries, country),
    devices: remember(state.devices, deviceId),
    // A newer suspicious login replaces an older one: the update completing both would carry one id.
    suspect: suspicious
      ? { id: login.id, ts: login.ts, country, deviceId, newCountry, newDevice, failureIds }
      : slice(state, login.ts, rule).suspect,
  };
}

/**
 * Raises `account_takeover` when an email or payment_method change comes within the window after a
 * suspicious login; the suspect is then used up, so the login alerts once.
 *
 * @example
 * // 3 failures, login from new country BR and device d-9, email changed 5 minutes later:
 * checkAccountTakeover(state, update, { failures: 3, windowMs: 1_800_000 }, 'u1').alert?.details.summary;
 * // '3 failed logins, then a login from a new country BR and new device d-9, then email changed 5m later (…)'
 */
export function checkAccountTakeover(
  state: AccountTakeoverState,
  update: EventOfType<'account_updated'>,
  rule: AccountTakeoverRule,
  userId: string,
): RuleResult<AccountTakeoverState> {
  // `slice` has already dropped a suspect whose login is windowMs or more before this update.
  const next = slice(state, update.ts, rule);
  const suspect = next.suspect;
  const field = update.data.field;
  if (suspect === undefined || (field !== 'email' && field !== 'payment_method')) return { state: next };
  const delayMs = update.ts - suspect.ts;
  // An update stamped before the login (a late event) did not come after it.
  if (delayMs < 0) return { state: next };

  const n = suspect.failureIds.length;
  return {
    state: { ...next, suspect: undefined },
    alert: fraudAlert({
      type: 'account_takeover',
      severity: 'critical',
      userId,
      causeId: update.id,
      ts: update.ts,
      reasons: [...suspect.failureIds, suspect.id, update.id],
      summary:
        `${n} failed logins, then a login from ${describeLogin(suspect)}, then ` +
        `${field === 'email' ? 'email' : 'payment method'} changed ${formatDuration(delayMs)} later ` +
        `(threshold: ${rule.failures} failures, ${formatDuration(rule.windowMs)} before and after the login)`,
      details: {
        failures: n,
        loginId: suspect.id,
        country: suspect.country,
        deviceId: suspect.deviceId,
        newCountry: suspect.newCountry,
        newDevice: suspect.newDevice,
        field,
        delayMs,
        threshold: rule.failures,
        windowMs: rule.windowMs,
      },
    }),
  };
}

/** The slice unchanged except that a suspect no update can complete any more (at `now`) is dropped. */
function slice(state: AccountTakeoverState, now: number, rule: AccountTakeoverRule): AccountTakeoverState {
  const expired = state.suspect !== undefined && now - state.suspect.ts >= rule.windowMs;
  return {
    failures: state.failures,
    countries: state.countries,
    devices: state.devices,
    suspect: expired ? undefined : state.suspect,
  };
}

/** How many distinct countries and devices of earlier logins a user keeps (docs/domain-rules.md). */
const KNOWN_LOGINS = 4;

function isKnown(list: string | undefined, value: string): boolean {
  return list !== undefined && list.split(' ').includes(value);
}

/** Moves `value` to the most recent end of a space-joined list, keeping the last KNOWN_LOGINS. */
function remember(list: string | undefined, value: string): string {
  // Already the most recent (the usual login): keep the same string instead of building a copy.
  if (list !== undefined && (list === value || list.endsWith(` ${value}`))) return list;
  const values = list === undefined ? [] : list.split(' ').filter((v) => v !== value);
  values.push(value);
  // join builds a flat string; `a + ' ' + b` would keep a rope (extra cells) in a long-lived state.
  return values.slice(-KNOWN_LOGINS).join(' ');
}

function describeLogin(s: SuspectLogin): string {
  if (s.newCountry && s.newDevice) return `a new country ${s.country} and new device ${s.deviceId}`;
  if (s.newCountry) return `a new country ${s.country} (known device ${s.deviceId})`;
  return `a new device ${s.deviceId} (known country ${s.country})`;
}
