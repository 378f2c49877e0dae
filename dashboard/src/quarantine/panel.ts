/// <reference lib="dom" />
import type { DashboardSnapshot } from '../../snapshot.ts';
import { adminToken, setAdminToken } from '../auth.ts';
import { byTestId, emptyState, replace, setText } from '../dom.ts';
import { fmtAgo, fmtClock } from '../format.ts';
import { fetchQuarantined, LIST_LIMIT, releaseQuarantined, type Failed, type QuarantinedEntity } from './api.ts';
import { describeRelease, NEEDS_ADMIN } from './outcome.ts';
import { entityId, outcomeNotes, quarantineTable, tickSince, type KeptOutcome } from './rows.ts';

/**
 * An admin query, so polled like the business row (not every snapshot); a change of the
 * snapshot's quarantined count asks at once.
 */
const POLL_MS = 5_000;

/**
 * The "Quarantined entities" panel: the admin list (`GET /v1/admin/quarantine`) with a Release
 * button per entity (`POST /v1/admin/quarantine/release`) and each release's outcome in words.
 * Without a token the API accepts for the admin scope it says so and offers a field for one
 * (kept for the tab, apart from the page's read token).
 *
 * @example
 * const quarantine = createQuarantinePanel(byTestId(document, 'panel-quarantine'));
 * quarantine.update(snapshot); quarantine.tick(Date.now());
 */
export function createQuarantinePanel(root: HTMLElement) {
  const $ = (id: string) => byTestId(root, `quarantine-${id}`);
  const [body, notes, status, why, forget, announce] = [$('body'), $('notes'), $('updated'), $('token-why'), $('forget-token'), $('announce')];
  const form = byTestId<HTMLFormElement>(root, 'quarantine-token-form');
  const input = byTestId<HTMLInputElement>(root, 'quarantine-token');

  let entities: QuarantinedEntity[] | undefined;
  let failure: Failed | undefined;
  let lastAt: number | undefined;
  let lastCount: number | undefined;
  let loading = false;
  let queued = false;
  const outcomes = new Map<string, KeptOutcome>();
  const pending = new Set<string>();
  const expanded = new Set<string>();
  let shown = '';

  const refresh = async (): Promise<void> => {
    if (loading) return void (queued = true);
    loading = true;
    try {
      const r = await fetchQuarantined();
      [entities, failure] = r.ok ? [r.entities, undefined] : [r.denied ? undefined : entities, r];
      if (r.ok) lastAt = Date.now();
      render();
    } finally {
      loading = false;
    }
    if (queued) {
      queued = false;
      await refresh();
    }
  };

  const release = async (e: QuarantinedEntity) => {
    const id = entityId(e);
    if (pending.has(id)) return;
    pending.add(id);
    outcomes.delete(id);
    render();
    const outcome = { ...describeRelease(await releaseQuarantined(e.type, e.key)), type: e.type, key: e.key };
    pending.delete(id);
    outcomes.set(id, outcome);
    setText(announce, `${e.type} ${e.key}: ${outcome.text}`);
    render();
    await refresh();
  };

  const render = () => {
    const denied = failure?.denied === true;
    root.dataset.state = denied ? 'needs-token' : failure ? 'error' : entities === undefined ? 'loading' : entities.length ? 'ok' : 'empty';
    form.hidden = !denied;
    forget.hidden = adminToken() === null;
    if (denied) setText(why, `${failure!.error}: the list ${NEEDS_ADMIN}. Enter one; it is kept for this tab only.`);
    const listed = new Set((entities ?? []).map(entityId));
    const unlisted = [...outcomes.values()].filter((o) => !listed.has(entityId(o)));
    const key = JSON.stringify([entities, failure, [...outcomes], [...pending], [...expanded]]);
    showStatus();
    // Rebuilt only when something changed: a poll must not steal the focus or an expanded error.
    if (key === shown) return;
    shown = key;
    replace(notes, ...outcomeNotes(unlisted, dismiss));
    if (entities === undefined) return replace(body, emptyState(denied ? 'The list shows once the instance accepts an admin token' : failure ? failure.error : 'loading…', 'quarantine-empty'));
    if (entities.length === 0) return replace(body, emptyState('No quarantined entities', 'quarantine-empty'));
    replace(body, quarantineTable(entities, { outcomes, pending, expanded, release: (e) => void release(e), toggle }, Date.now()));
  };

  const showStatus = () => {
    const n = entities?.length;
    const count = n === undefined ? '' : `${n === LIST_LIMIT ? `first ${n}` : n} quarantined · `;
    const age = lastAt === undefined ? (failure ? 'no answer' : 'loading…') : `updated ${fmtAgo(lastAt, Date.now())}`;
    // A refused token is said in the form; a failing refresh here, over the last list kept.
    if (failure?.denied) setText(status, 'admin token needed');
    else setText(status, failure ? `${count}refresh failing: ${failure.error} · ${age}` : `${count}${age}`);
    status.dataset.level = failure ? 'warn' : '';
    status.title = lastAt === undefined ? '' : `last answer ${fmtClock(lastAt)}; refreshed every ${POLL_MS / 1000} s`;
  };

  const toggle = (id: string) => {
    if (!expanded.delete(id)) expanded.add(id);
    render();
  };
  const dismiss = (id: string) => {
    outcomes.delete(id);
    render();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    setAdminToken(token);
    input.value = '';
    void refresh();
  });
  forget.addEventListener('click', () => {
    setAdminToken(null);
    void refresh();
  });

  // Nothing changes for a refused token until another is entered: no polling meanwhile.
  const poll = () => void (failure?.denied ? Promise.resolve() : refresh()).finally(() => setTimeout(poll, POLL_MS));
  poll();

  return {
    update(s: DashboardSnapshot) {
      const changed = lastCount !== undefined && s.quarantined !== lastCount;
      lastCount = s.quarantined;
      if (changed && !failure?.denied) void refresh();
    },
    tick(now: number) {
      tickSince(body, now);
      showStatus();
    },
  };
}
