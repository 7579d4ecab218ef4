import { ChangeLog } from '../../observability/change-log.js';
import { TrafficRecorder, type TrafficWindow } from '../../observability/traffic-recorder.js';

/**
 * What the dashboard shows beyond Traefik's API, kept by the process across reloads: the traffic history,
 * the configuration changes, and which Docker container is behind each server URL (set by the operator).
 */
export class DashboardInsights {
  readonly traffic: TrafficRecorder;
  readonly changes: ChangeLog;
  /** Server URL → container name, from the Docker provider's last snapshot. */
  serverContainers: ReadonlyMap<string, string> = new Map();
  /** The charts' window: this process's, or under `--workers` every worker's (set by the operator). */
  trafficWindow: () => Promise<TrafficWindow> = () => Promise.resolve(this.traffic.window());

  constructor(traffic = new TrafficRecorder(), changes = new ChangeLog()) {
    this.traffic = traffic;
    this.changes = changes;
  }
}
