// `pe-edge check`: a service whose port the container's image does not EXPOSE (Traefik issue #5483: a wrong port is a
// 502 after the deploy). Told only when the local engine knows the image and it exposes something; else nothing is said.
import type Docker from 'dockerode';
import type { ContainerResult } from '../providers/docker/container-config.js';

/** The image's exposed ports (`8080/tcp`), or null when the engine or the image is not there. */
export type ImageExposedPorts = (image: string) => Promise<readonly string[] | null>;

export function engineImagePorts(docker: Docker): ImageExposedPorts {
  return async (image) => {
    try {
      const info = await docker.getImage(image).inspect();
      return Object.keys(info.Config?.ExposedPorts ?? {});
    } catch {
      return null;
    }
  };
}

/** One warning per service port the image does not expose, by container name. Each image is asked once. */
export async function imagePortWarnings(results: readonly ContainerResult[], exposedPorts: ImageExposedPorts): Promise<Map<string, string[]>> {
  const asked = new Map<string, Promise<readonly string[] | null>>();
  const out = new Map<string, string[]>();
  for (const r of results) {
    const image = r.container.image;
    if (r.kind !== 'routed' || image === undefined || image === '' || (r.servicePorts ?? []).length === 0) continue;
    let ports = asked.get(image);
    if (ports === undefined) asked.set(image, (ports = exposedPorts(image)));
    const exposed = await ports;
    // An image without EXPOSE says nothing about its ports: no warning.
    if (exposed === null || exposed.length === 0) continue;
    const numbers = new Set(exposed.map((p) => Number.parseInt(p, 10)));
    for (const { protocol, service, port, fromLabel } of r.servicePorts ?? []) {
      if (numbers.has(port)) continue;
      const source = fromLabel ? `traefik.${protocol}.services.${service}.loadbalancer.server.port=${port}` : `port ${port} (picked: the container's lowest exposed port)`;
      const failure = protocol === 'http' ? 'requests will fail with 502' : `${protocol.toUpperCase()} ${protocol === 'tcp' ? 'connections' : 'datagrams'} will not reach it`;
      const what = protocol === 'http' ? 'service' : `${protocol.toUpperCase()} service`;
      const warning = `${what} "${service}" on container ${r.container.name}: ${source} is not a port image "${image}" exposes (${exposed.join(', ')}); if the app listens elsewhere, ${failure}: set loadbalancer.server.port to that port`;
      out.set(r.container.name, [...(out.get(r.container.name) ?? []), warning]);
    }
  }
  return out;
}
