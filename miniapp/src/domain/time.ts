/**
 * Instants as a person in China reads them: Asia/Shanghai (UTC+8, no daylight saving),
 * "2026-11-29 18:56". Pure formatting of an RFC 3339 string from the API.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export function beijingTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '—';
  const shifted = new Date(ms + SHANGHAI_OFFSET_MS).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`;
}
