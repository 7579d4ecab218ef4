import type { DashboardInsights } from '../../proxy/api/dashboard/insights.js';
import { mergeTrafficWindows } from '../../proxy/observability/merge-traffic-windows.js';
import type { TrafficWindow } from '../../proxy/observability/traffic-recorder.js';
import type { PrimaryLink, WorkersLink } from './worker-link.js';

// `--workers`: the dashboard's charts show every worker's traffic. The worker answering the poll asks the
// primary, which collects each worker's own window; the asking worker adds them up.

const ALL = 'traffic:all';
const MINE = 'traffic:mine';
/** A worker slower than this to give its window is left out of that poll. */
const COLLECT_TIMEOUT_MS = 2000;

/** Primary: answers a worker's question with every worker's window. */
export function relayTraffic(link: WorkersLink): void {
  link.answer(ALL, () => link.collect<TrafficWindow>(MINE, null, COLLECT_TIMEOUT_MS));
}

/** Worker: gives its window when collected, and charts every worker's. */
export function shareTraffic(link: PrimaryLink, insights: DashboardInsights): void {
  link.answer(MINE, () => insights.traffic.window());
  insights.trafficWindow = () => link.call<TrafficWindow[]>(ALL, null, COLLECT_TIMEOUT_MS + 1000).then((windows) => mergeTrafficWindows(insights.traffic.window(), windows));
}
