// DICOM JSON (PS3.18 F.2): reading the values of the attributes QIDO-RS and WADO-RS metadata answer with.

export type DicomValue = string | number | { Alphabetic?: string; Ideographic?: string; Phonetic?: string };

export interface DicomElement {
  vr: string;
  Value?: DicomValue[];
  BulkDataURI?: string;
  InlineBinary?: string;
}

/** One data set: attributes by tag, eight upper-case hexadecimal digits. */
export type DicomJson = Record<string, DicomElement | undefined>;

export const Tag = {
  SOPClassUID: "00080016",
  SOPInstanceUID: "00080018",
  StudyDate: "00080020",
  StudyTime: "00080030",
  AccessionNumber: "00080050",
  ModalitiesInStudy: "00080061",
  Modality: "00080060",
  StudyDescription: "00081030",
  SeriesDescription: "0008103E",
  RetrieveURL: "00081190",
  PatientName: "00100010",
  PatientID: "00100020",
  PatientBirthDate: "00100030",
  PatientSex: "00100040",
  StudyInstanceUID: "0020000D",
  SeriesInstanceUID: "0020000E",
  SeriesNumber: "00200011",
  InstanceNumber: "00200013",
  NumberOfStudyRelatedSeries: "00201206",
  NumberOfStudyRelatedInstances: "00201208",
  NumberOfSeriesRelatedInstances: "00201209",
  NumberOfFrames: "00280008",
  Rows: "00280010",
  Columns: "00280011",
  PatientAge: "00101010",
  StudyID: "00200010",
  SeriesDate: "00080021",
  ContentDate: "00080023",
  ContentTime: "00080033",
  InstitutionName: "00080080",
  Manufacturer: "00080070",
  SliceThickness: "00180050",
  SpacingBetweenSlices: "00180088",
  ImagerPixelSpacing: "00181164",
  FrameTime: "00181063",
  CineRate: "00180040",
  RecommendedDisplayFrameRate: "00082144",
  ImagePositionPatient: "00200032",
  ImageOrientationPatient: "00200037",
  FrameOfReferenceUID: "00200052",
  SliceLocation: "00201041",
  SamplesPerPixel: "00280002",
  PhotometricInterpretation: "00280004",
  PixelSpacing: "00280030",
  BitsStored: "00280101",
  PixelRepresentation: "00280103",
  WindowCenter: "00281050",
  WindowWidth: "00281051",
  RescaleIntercept: "00281052",
  RescaleSlope: "00281053",
  RescaleType: "00281054",
  TransferSyntaxUID: "00020010",
  AvailableTransferSyntaxUID: "00083002",
  PerFrameFunctionalGroupsSequence: "52009230",
  SharedFunctionalGroupsSequence: "52009229",
} as const;

/** The first value of an attribute as text ("" when absent or empty); a person name as its alphabetic group. */
export function text(document: DicomJson, tag: string): string {
  const value = document[tag]?.Value?.[0];
  if (value === undefined || value === null) return "";
  if (typeof value === "object") return value.Alphabetic ?? "";
  return String(value);
}

/** Every value of an attribute as text. */
export function texts(document: DicomJson, tag: string): string[] {
  return (document[tag]?.Value ?? []).map((value) =>
    typeof value === "object" && value !== null ? (value.Alphabetic ?? "") : String(value),
  );
}

/** The first value of an attribute as a number, or undefined when absent or not a number. */
export function number(document: DicomJson, tag: string): number | undefined {
  const value = document[tag]?.Value?.[0];
  const parsed = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Every value of an attribute as a number (values that are not numbers are left out). */
export function numbers(document: DicomJson, tag: string): number[] {
  const values = document[tag]?.Value ?? [];
  return values.map((value) => (typeof value === "number" ? value : Number(value))).filter((value) => Number.isFinite(value));
}
