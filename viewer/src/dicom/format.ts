// DICOM values as people read them: names, dates, times. Pure functions, no DOM.

/** "Doe^John^Q^Dr" → "Doe, John Q"; a name with only a family part stays as it is. */
export function personName(value: string): string {
  const [family = "", given = "", middle = "", prefix = "", suffix = ""] = value.split("=")[0]!.split("^");
  const rest = [prefix, given, middle].filter(Boolean).join(" ");
  const name = [family.trim(), rest.trim()].filter(Boolean).join(", ");
  return suffix ? `${name} ${suffix}` : name;
}

/** "20240315" → "2024-03-15" (ISO: unambiguous in every country); anything else as given. */
export function date(value: string): string {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : value;
}

/** "101500.123" → "10:15"; anything else as given. */
export function time(value: string): string {
  const match = /^(\d{2})(\d{2})/.exec(value.trim());
  return match ? `${match[1]}:${match[2]}` : value;
}

/** A date input's value ("2024-03-15") as a DICOM date ("20240315"); "" stays "". */
export function dicomDate(isoDate: string): string {
  return isoDate.replaceAll("-", "");
}

/** A DICOM date as a date input's value. */
export function isoDate(dicom: string): string {
  return date(dicom);
}

/** Today (or `daysAgo` days before) as a date input's value, in local time. */
export function localDate(daysAgo = 0, now = new Date()): string {
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** 1234567 → "1,234,567" in the reader's locale. */
export function count(value: number): string {
  return value.toLocaleString();
}
