// The reading page (`/viewer?study=…&series=…`): the study's series down the side, the chosen one in a single
// stack viewport (scroll, window, zoom, pan). Layouts, presets and measurements come in later versions.

import { dicomWebClient, studyArchiveUrl } from "../config";
import { date, personName } from "../dicom/format";
import { seriesList } from "../series/series-list";
import { findStudy, studySeries, type SeriesSummary, type StudySummary } from "../series/series";
import { el, errorText, replace, required, showMessage } from "../ui/dom";

const client = dicomWebClient();
const message = required("message");
const seriesColumn = required("series");
const viewportElement = required("viewport");
const status = required("viewport-status");
const parameters = new URLSearchParams(location.search);

type Viewer = typeof import("./stack-viewport");
let viewer: Promise<Viewer> | undefined;
let showing = 0; // which choice of series is the latest: an earlier one that finishes late is dropped

async function open(): Promise<void> {
  const uid = parameters.get("study")?.trim();
  if (!uid) {
    fail("No study was given. Choose one in the study list.");
    return;
  }
  let study: StudySummary | undefined;
  let series: SeriesSummary[];
  try {
    study = await findStudy(client, uid);
    if (!study) {
      fail(`This archive has no study ${uid}. It may have been deleted, or the link is wrong.`);
      return;
    }
    series = await studySeries(client, uid);
  } catch (error) {
    fail(`The study could not be loaded. ${errorText(error)}`, true);
    return;
  }
  describe(study);
  replace(seriesColumn, seriesList(series, { client, onChoose: (chosen) => void choose(chosen) }));
  const wanted = series.find((item) => item.uid === parameters.get("series")) ?? series.find((item) => item.hasPictures) ?? series[0];
  if (wanted) {
    await choose(wanted);
  } else {
    replace(status, "This study has no series.");
  }
}

function describe(study: StudySummary): void {
  const name = personName(study.patientName) || "(no name)";
  document.title = `${name} · ${study.description || "Study"} · pypacs`;
  replace(
    required("study-header"),
    el("strong", { class: "patient" }, name),
    el("span", {}, study.patientId && `ID ${study.patientId}`),
    el("span", {}, date(study.date)),
    el("span", {}, study.description),
  );
  const download = required<HTMLAnchorElement>("download");
  download.href = studyArchiveUrl(study.uid);
  download.hidden = false;
}

async function choose(series: SeriesSummary): Promise<void> {
  const turn = ++showing;
  for (const card of seriesColumn.querySelectorAll("[data-series-uid]")) {
    card.setAttribute("aria-pressed", String(card.getAttribute("data-series-uid") === series.uid));
  }
  const url = new URL(location.href);
  url.searchParams.set("series", series.uid);
  history.replaceState(null, "", url);
  showMessage(message, "info", null);
  if (!series.hasPictures) {
    (await viewer)?.clear(viewportElement);
    replace(status, `${series.kind}: this series holds no pictures. Showing its contents comes in a later version.`);
    return;
  }
  replace(status, "Loading the images…");
  try {
    viewer ??= import("./stack-viewport");
    const shown = await (await viewer).showSeries(viewportElement, client, series, (text) => {
      if (turn === showing) replace(status, text);
    });
    if (turn !== showing) return;
    if (!shown) replace(status, "This series has no images to show.");
  } catch (error) {
    if (turn !== showing) return;
    replace(status, "");
    showMessage(message, "error", `The series could not be shown. ${errorText(error)}`, { label: "Try again", run: () => void choose(series) });
  }
}

function fail(text: string, retry = false): void {
  replace(seriesColumn);
  showMessage(message, "error", text, retry ? { label: "Try again", run: () => location.reload() } : undefined);
  const back = el("a", { href: "/", class: "button" }, "Back to the study list");
  message.append(" ", back);
}

void open();
