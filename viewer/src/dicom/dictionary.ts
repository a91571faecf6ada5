// The names of DICOM attributes for the tag browser: keywords by tag from the server's copy of pydicom's dictionary
// (GET /api/dicom-dictionary, fetched once, when first needed), repeating groups (60xx…) matched by their masks,
// private tags named as such; and values as text.

import { getJson } from "../api/client";
import type { DicomElement, DicomValue } from "../dicomweb/json";

export class TagDictionary {
  private readonly masks: [RegExp, string][];

  constructor(private readonly keywords: Record<string, string>) {
    this.masks = Object.entries(keywords)
      .filter(([tag]) => tag.includes("x"))
      .map(([tag, keyword]) => [new RegExp(`^${tag.replace(/x/g, "[0-9A-F]")}$`), keyword]);
  }

  /** "PixelSpacing"; "" for an unknown public tag; "(private)" / "(private creator)" for odd groups. */
  keyword(tag: string): string {
    const upper = tag.toUpperCase();
    const known = this.keywords[upper] ?? this.masks.find(([mask]) => mask.test(upper))?.[1];
    if (known) return known;
    if (Number.parseInt(upper.slice(3, 4), 16) % 2 === 1) {
      const element = Number.parseInt(upper.slice(4), 16);
      return element >= 0x10 && element <= 0xff ? "(private creator)" : "(private)";
    }
    return element(upper) === 0 ? "(group length)" : "";
  }
}

function element(tag: string): number {
  return Number.parseInt(tag.slice(4), 16);
}

let loading: Promise<TagDictionary> | undefined;

/** The dictionary, fetched once; an empty one (tags without names) when the server cannot give it. */
export function tagDictionary(): Promise<TagDictionary> {
  loading ??= getJson<Record<string, string>>("dicom-dictionary").then(
    (keywords) => new TagDictionary(keywords),
    () => {
      loading = undefined; // ask again next time
      return new TagDictionary({});
    },
  );
  return loading;
}

/** "PixelSpacing" → "Pixel Spacing", "SOPInstanceUID" → "SOP Instance UID". */
export function spacedName(keyword: string): string {
  return keyword.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
}

/** "(0028,0030)". */
export function tagText(tag: string): string {
  return `(${tag.slice(0, 4)},${tag.slice(4)})`.toUpperCase();
}

const MOST_VALUES = 32;

function valueText(value: DicomValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return [value.Alphabetic, value.Ideographic, value.Phonetic].filter((part) => part !== undefined).join("=");
  return String(value);
}

/** An element's value as text: values joined by "\", bulk data said so, long lists cut short with their count. */
export function elementText(item: DicomElement): string {
  if (item.BulkDataURI) return "(bulk data)";
  if (item.InlineBinary !== undefined) return `(binary, ${Math.floor((item.InlineBinary.replace(/=+$/, "").length * 3) / 4)} bytes)`;
  const values = item.Value ?? [];
  const shown = values.slice(0, MOST_VALUES).map(valueText).join("\\");
  return values.length > MOST_VALUES ? `${shown}\\… (${values.length} values)` : shown;
}
