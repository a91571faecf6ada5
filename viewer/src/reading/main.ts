// The reading page (`/viewer?study=…[&series=…][&layout=2x2]`): the study's series down the side, shown in one
// to four viewports (reader.ts, loaded once the study is known: the series list shows before Cornerstone loads).

import { dicomWebClient, studyArchiveUrl } from "../config";
import { date, personName } from "../dicom/format";
import { findStudy, studySeries, type SeriesSummary, type StudySummary } from "../series/series";
import { el, errorText, replace, required, showMessage } from "../ui/dom";
import { expectFirstOf, expectSeries, retireFirstImage } from "./first-image";
import type { LayoutName } from "./layout";
import { withPaletteTables } from "./palette";
import { SeriesColumn } from "./series-column";
import { bulkStore } from "./series-bulk";

const client = dicomWebClient();
const message = required("message");
const seriesColumn = required("series");
const parameters = new URLSearchParams(location.search);
const SERIES_DRAG_TYPE = "application/x-pypacs-series";
const LAYOUT_NAMES = ["1x1", "1x2", "2x1", "2x2"];

async function open(): Promise<void> {
  const uid = parameters.get("study")?.trim();
  if (!uid) {
    fail("No study was given. Choose one in the study list.");
    return;
  }
  let study: StudySummary | undefined;
  let series: SeriesSummary[];
  try {
    [study, series] = await Promise.all([findStudy(client, uid), studySeries(client, uid)]);
    if (!study) {
      fail(`This archive has no study ${uid}. It may have been deleted, or the link is wrong.`);
      return;
    }
  } catch (error) {
    fail(`The study could not be loaded. ${errorText(error)}`, true);
    return;
  }
  describe(study);
  let reader: import("./reader").Reader | undefined;
  const column = new SeriesColumn(seriesColumn, client, study.uid, series, {
    dragType: SERIES_DRAG_TYPE,
    onChoose: (chosen) => void reader?.showSeries(reader.active, chosen),
  });
  if (series.length === 0) showMessage(message, "info", "This study has no series.");
  const wanted = series.find((item) => item.uid === parameters.get("series")) ?? series.find((item) => item.hasPictures) ?? series[0];
  // The first series' metadata is asked for now, while Cornerstone's code loads and starts (about a second on a
  // slow machine), not after.
  const firstMetadata = wanted?.hasPictures ? client.seriesMetadata(study.uid, wanted.uid).then(withPaletteTables) : undefined;
  expectSeries(firstMetadata && wanted?.uid);
  firstMetadata?.then(expectFirstOf, retireFirstImage); // the reader says what failed when it shows the series
  try {
    const { startReading } = await import("./start");
    // Its frames in one response (series-bulk.ts): far cheaper for the browser than a request per frame. Asked for
    // once Cornerstone's code is in, not while it loads: reading the response on the page's thread while that code
    // was compiled put the viewer's first drawing at ~2.5 s instead of ~1.0 s. Queued before the reader asks for
    // its first image, so the loader takes the frames from this response.
    if (wanted) firstMetadata?.then(() => bulkStore.fetchSeries(seriesUrl(study.uid, wanted.uid)), () => undefined);
    const layout = parameters.get("layout") ?? "";
    reader = startReading(client, study, column, (LAYOUT_NAMES.includes(layout) ? layout : "1x1") as LayoutName, wanted, firstMetadata);
  } catch (error) {
    retireFirstImage();
    showMessage(message, "error", `The viewer could not start. ${errorText(error)}`, { label: "Try again", run: () => location.reload() });
  }
}

function seriesUrl(study: string, series: string): string {
  return `${new URL(client.root, location.href).href}/studies/${encodeURIComponent(study)}/series/${encodeURIComponent(series)}`;
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

function fail(text: string, retry = false): void {
  retireFirstImage();
  replace(seriesColumn);
  showMessage(message, "error", text, retry ? { label: "Try again", run: () => location.reload() } : undefined);
  const back = el("a", { href: "/", class: "button" }, "Back to the study list");
  message.append(" ", back);
}

void open();
