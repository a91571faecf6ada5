// The search form: its fields as Criteria and back, quick date ranges, the modality choices.

import { localDate } from "../dicom/format";
import { el } from "../ui/dom";
import { emptyCriteria, type Criteria } from "./search";

export const MODALITIES = [
  "CT", "MR", "CR", "DX", "MG", "US", "NM", "PT", "XA", "RF", "OT", "SC", "IO", "PX", "ES", "XC", "SR", "PR", "KO",
  "DOC", "SEG",
];

/** Quick study date ranges: [label, days before today the range starts, days before today it ends]. */
const QUICK_DATES: [string, number | null, number | null][] = [
  ["Today", 0, 0],
  ["Yesterday", 1, 1],
  ["Last 7 days", 6, null],
  ["Last 30 days", 29, null],
  ["Any date", null, null],
];

export class SearchForm {
  constructor(
    readonly form: HTMLFormElement,
    onSearch: () => void,
  ) {
    const modality = this.field<HTMLSelectElement>("modality");
    modality.append(el("option", { value: "" }, "Any"), ...MODALITIES.map((code) => el("option", { value: code }, code)));
    const quick = form.querySelector<HTMLElement>(".quick-dates");
    for (const [label, start, end] of QUICK_DATES) {
      const button = el("button", { type: "button", class: "link" }, label);
      button.addEventListener("click", () => {
        this.field("from").value = start === null ? "" : localDate(start);
        this.field("to").value = end === null ? "" : localDate(end);
        onSearch();
      });
      quick?.append(button);
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSearch();
    });
    form.addEventListener("reset", (event) => {
      event.preventDefault();
      this.criteria = emptyCriteria();
      onSearch();
    });
    modality.addEventListener("change", onSearch);
  }

  get criteria(): Criteria {
    const criteria = emptyCriteria();
    for (const key of Object.keys(criteria) as (keyof Criteria)[]) criteria[key] = this.field(key).value.trim();
    return criteria;
  }

  set criteria(criteria: Criteria) {
    const modality = this.field<HTMLSelectElement>("modality");
    if (criteria.modality && ![...modality.options].some((option) => option.value === criteria.modality)) {
      modality.append(el("option", { value: criteria.modality }, criteria.modality)); // a code from a shared link
    }
    for (const key of Object.keys(criteria) as (keyof Criteria)[]) this.field(key).value = criteria[key];
  }

  private field<T extends HTMLInputElement | HTMLSelectElement = HTMLInputElement>(name: string): T {
    const field = this.form.elements.namedItem(name);
    if (!field) throw new Error(`the search form has no field ${name}`);
    return field as T;
  }
}
