/** Statuses whose answers never carry a body (RFC 9110: 1xx, 204, 304): their head goes alone. */
export function isBodilessStatus(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
