/// <reference lib="dom" />
/**
 * The live operations dashboard: one snapshot stream (`v1/dashboard/stream`) drives every panel,
 * the alert stream (`v1/alerts/stream`) drives the feed, the query API answers lookups, the
 * quarantine panel polls the admin API (quarantine/panel.ts), and the business row below polls the
 * analytics API (business/row.ts).
 * Bundled by scripts/build-dashboard.ts into dashboard/assets.ts; uPlot comes as its own asset.
 */
import type { Alert, EntityType } from '../../schemas/alert.ts';
import type { DashboardSnapshot, DashboardStreamError } from '../snapshot.ts';
import { ENTITY_TYPES, fetchConfig, fetchRecentAlerts } from './api.ts';
import { withToken } from './auth.ts';
import { startBusinessRow } from './business/row.ts';
import { byTestId, setText } from './dom.ts';
import { fmtAgo, fmtClock } from './format.ts';
import { createAlertsPanel } from './panels/alerts.ts';
import { createLatencyPanel, createThroughputPanel } from './panels/charts.ts';
import { createCheckpointsPanel } from './panels/checkpoints.ts';
import { createFunnelPanel } from './panels/funnel.ts';
import { createInspector } from './panels/inspector.ts';
import { createInventoryPanel } from './panels/inventory.ts';
import { createKpis } from './panels/kpis.ts';
import { createLagPanel } from './panels/lag.ts';
import { createOwnershipPanel } from './panels/ownership.ts';
import { createQuarantinePanel } from './quarantine/panel.ts';
import { openLiveStream, type ConnectionState } from './sse.ts';

/** The stream promises a snapshot every `intervalMs` (1 s by default); this much silence means the connection is dead. */
const MIN_STALE_AFTER_MS = 5_000;

async function main(): Promise<void> {
  const { config, denied } = await fetchConfig();
  if (denied) {
    const banner = byTestId(document, 'auth-banner');
    banner.hidden = false;
    setText(banner, `This instance requires an API token with the "read" scope (${denied}). Open the dashboard as /#access_token=<token>.`);
  }
  const staleAfterMs = Math.max(MIN_STALE_AFTER_MS, 3 * config.intervalMs);
  const $ = (id: string) => byTestId(document, id);

  const inspector = createInspector($('inspector'), { jaegerUrl: config.jaegerUrl, onClose: (focusLost) => alerts.clearSelection(focusLost) });
  const alerts = createAlertsPanel($('panel-alerts'), (a) => inspector.showAlert(a));
  const kpis = createKpis($('kpis'));
  const checkpoints = createCheckpointsPanel($('panel-checkpoints'));
  const quarantine = createQuarantinePanel($('panel-quarantine'));
  const panels = [
    kpis,
    createThroughputPanel($('panel-throughput')),
    createLatencyPanel($('panel-latency')),
    createLagPanel($('panel-lag')),
    checkpoints,
    createOwnershipPanel($('panel-ownership')),
    createFunnelPanel($('panel-funnel')),
    createInventoryPanel($('panel-inventory'), (sku) => inspector.inspectEntity('sku', sku)),
    quarantine,
  ];

  wireLookup(inspector.inspectEntity);
  startBusinessRow($('business'), (sku) => inspector.inspectEntity('sku', sku));

  const lastUpdate = $('last-update');
  const streamError = $('stream-error');
  let snapshots = 0;
  let lastReceivedAt: number | undefined;

  const onSnapshot = (e: MessageEvent<string>) => {
    let s: DashboardSnapshot;
    try {
      s = JSON.parse(e.data) as DashboardSnapshot;
    } catch {
      return;
    }
    const receivedAt = Date.now();
    snapshots++;
    lastReceivedAt = receivedAt;
    streamError.hidden = true;
    setText($('instance'), s.instance);
    document.title = `actorstream · ${s.instance}`;
    document.body.dataset.hasSnapshot = 'true';
    for (const panel of panels) {
      try {
        panel.update(s, receivedAt);
      } catch (err) {
        // One panel choking on an unexpected field must not freeze the others.
        console.error('dashboard panel failed', err);
      }
    }
    lastUpdate.dataset.count = String(snapshots);
    lastUpdate.dataset.at = String(s.at);
    lastUpdate.title = `snapshot ${snapshots} taken ${fmtClock(s.at)} by ${s.instance}`;
    setText(lastUpdate, `updated ${fmtAgo(receivedAt, receivedAt)}`);
    showStatus();
  };

  const states: Record<'snapshots' | 'alerts', ConnectionState> = { snapshots: 'connecting', alerts: 'connecting' };
  const showStatus = () => renderStatus($('connection-status'), states, lastReceivedAt, staleAfterMs);

  openLiveStream({
    url: withToken('v1/dashboard/stream'),
    staleAfterMs,
    events: {
      snapshot: onSnapshot,
      error: (e) => {
        const err = safeParse<DashboardStreamError>(e.data);
        streamError.hidden = false;
        setText(streamError, `The instance could not build a snapshot: ${err?.message ?? e.data}`);
      },
    },
    onState: (s) => {
      states.snapshots = s;
      showStatus();
    },
  });

  // Open the stream before reading the list, so nothing raised in between is missed; ids dedupe the overlap.
  const resync = () => void fetchRecentAlerts(50).then((list) => (list.length ? alerts.add(list, false) : alerts.markLoaded()));
  openLiveStream({
    url: withToken('v1/alerts/stream'),
    events: {
      alert: (e) => {
        const a = safeParse<Alert>(e.data);
        if (a) alerts.add([a], true);
      },
    },
    onState: (s) => {
      states.alerts = s;
      showStatus();
    },
    // After a gap (instance restart, network) the stream may not replay what was missed: reread the list.
    onOpen: (reopened) => {
      if (reopened) resync();
    },
  });
  resync();

  setInterval(() => {
    const now = Date.now();
    kpis.tick(now);
    checkpoints.tick(now);
    alerts.tick(now);
    quarantine.tick(now);
    setText(lastUpdate, lastReceivedAt === undefined ? 'no data yet' : `updated ${fmtAgo(lastReceivedAt, now)}`);
    showStatus();
  }, 1000);
}

function wireLookup(inspect: (type: EntityType, key: string) => void): void {
  const form = byTestId<HTMLFormElement>(document, 'lookup-form');
  const type = byTestId<HTMLSelectElement>(document, 'lookup-type');
  const key = byTestId<HTMLInputElement>(document, 'lookup-key');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = key.value.trim();
    const t = type.value as EntityType;
    if (k && ENTITY_TYPES.includes(t)) inspect(t, k);
  });
}

function renderStatus(el: HTMLElement, states: Record<'snapshots' | 'alerts', ConnectionState>, lastReceivedAt: number | undefined, staleAfterMs: number): void {
  const fresh = lastReceivedAt !== undefined && Date.now() - lastReceivedAt < staleAfterMs;
  let state: string;
  let text: string;
  if (states.snapshots === 'connecting') [state, text] = ['connecting', 'Connecting…'];
  else if (states.snapshots === 'reconnecting') [state, text] = ['reconnecting', 'Reconnecting…'];
  else if (lastReceivedAt === undefined) [state, text] = ['connecting', 'Waiting for data…'];
  else if (!fresh) [state, text] = ['reconnecting', 'No data'];
  // 'connecting' is not a fault: a stream that has nothing to say may not have sent its headers yet.
  else if (states.alerts === 'reconnecting') [state, text] = ['degraded', 'Live · alerts reconnecting'];
  else [state, text] = ['open', 'Live'];
  if (el.dataset.state !== state) el.dataset.state = state;
  el.title = `snapshots: ${states.snapshots}, alerts: ${states.alerts}`;
  const label = el.querySelector('span');
  if (label) setText(label, text);
}

function safeParse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

void main();
