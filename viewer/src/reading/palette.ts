// PALETTE COLOR images: the image loader reads the red, green and blue lookup tables from the metadata as
// numbers (a Value), while DICOM JSON carries them as binary (InlineBinary, or a BulkDataURI for big tables).
// Before a series is shown its tables are read into 16-bit words (OW, little endian) the loader understands.

import { binaryValue } from "../dicomweb/bulk-data";
import { text, type DicomJson } from "../dicomweb/json";

const PHOTOMETRIC = "00280004";
const TABLES = ["00281201", "00281202", "00281203"]; // red, green, blue Palette Color Lookup Table Data

function words(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: Math.floor(bytes.byteLength / 2) }, (_, index) => view.getUint16(index * 2, true));
}

/** The instances, those in PALETTE COLOR with their tables as numbers (new objects; the others as they were). */
export async function withPaletteTables(instances: DicomJson[]): Promise<DicomJson[]> {
  return Promise.all(
    instances.map(async (instance) => {
      if (text(instance, PHOTOMETRIC) !== "PALETTE COLOR") return instance;
      const copy: DicomJson = { ...instance };
      for (const tag of TABLES) {
        const element = instance[tag];
        if (!element || element.Value?.length) continue;
        const bytes = await binaryValue(element);
        if (bytes) copy[tag] = { vr: element.vr, Value: words(bytes) };
      }
      return copy;
    }),
  );
}
