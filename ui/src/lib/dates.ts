// Dates as every screen shows them: "Dec 4, 2027", with the time where it matters
// ("Dec 4, 2027, 10:00 AM"), in the user's locale and time zone.

const DATE: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'short', day: 'numeric' };
const DATE_TIME: Intl.DateTimeFormatOptions = { ...DATE, hour: 'numeric', minute: '2-digit' };

/** "Dec 4, 2027"; text that is not a date stays as it is. */
export function formatDate(value: string): string {
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toLocaleDateString(undefined, DATE);
}

/** "Dec 4, 2027, 10:00 AM"; text that is not a date stays as it is. */
export function formatDateTime(value: string): string {
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toLocaleString(undefined, DATE_TIME);
}

/** RFC 3339 timestamps as the core writes them into its sentences ("2027-12-04T10:00:00Z"). */
const RFC3339 = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** A sentence of the core with each timestamp in it shown as a date ("Valid until Dec 4, 2027"). */
export function localDates(text: string): string {
  return text.replace(RFC3339, (m) => formatDate(m));
}
