// What kind of object a SOP class is, in words, for series that hold no picture (reports, presentation states,
// key object selections, dose reports, documents, waveforms, RT objects). Names from PS3.4 Annex B.

const NAMES: Record<string, string> = {
  "1.2.840.10008.5.1.4.1.1.88.11": "Basic Text SR",
  "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
  "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
  "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
  "1.2.840.10008.5.1.4.1.1.88.35": "Extensible SR",
  "1.2.840.10008.5.1.4.1.1.88.40": "Procedure Log",
  "1.2.840.10008.5.1.4.1.1.88.50": "Mammography CAD SR",
  "1.2.840.10008.5.1.4.1.1.88.59": "Key Object Selection",
  "1.2.840.10008.5.1.4.1.1.88.65": "Chest CAD SR",
  "1.2.840.10008.5.1.4.1.1.88.67": "X-Ray Radiation Dose SR",
  "1.2.840.10008.5.1.4.1.1.88.68": "Radiopharmaceutical Radiation Dose SR",
  "1.2.840.10008.5.1.4.1.1.88.69": "Colon CAD SR",
  "1.2.840.10008.5.1.4.1.1.88.70": "Implantation Plan SR",
  "1.2.840.10008.5.1.4.1.1.88.71": "Acquisition Context SR",
  "1.2.840.10008.5.1.4.1.1.88.72": "Simplified Adult Echo SR",
  "1.2.840.10008.5.1.4.1.1.88.73": "Patient Radiation Dose SR",
  "1.2.840.10008.5.1.4.1.1.88.74": "Planned Imaging Agent Administration SR",
  "1.2.840.10008.5.1.4.1.1.88.75": "Performed Imaging Agent Administration SR",
  "1.2.840.10008.5.1.4.1.1.88.76": "Enhanced X-Ray Radiation Dose SR",
  "1.2.840.10008.5.1.4.1.1.11.1": "Grayscale Softcopy Presentation State",
  "1.2.840.10008.5.1.4.1.1.11.2": "Color Softcopy Presentation State",
  "1.2.840.10008.5.1.4.1.1.11.3": "Pseudo-Color Softcopy Presentation State",
  "1.2.840.10008.5.1.4.1.1.11.4": "Blending Softcopy Presentation State",
  "1.2.840.10008.5.1.4.1.1.11.5": "XA/XRF Grayscale Softcopy Presentation State",
  "1.2.840.10008.5.1.4.1.1.104.1": "Encapsulated PDF",
  "1.2.840.10008.5.1.4.1.1.104.2": "Encapsulated CDA",
  "1.2.840.10008.5.1.4.1.1.104.3": "Encapsulated STL",
  "1.2.840.10008.5.1.4.1.1.104.4": "Encapsulated OBJ",
  "1.2.840.10008.5.1.4.1.1.104.5": "Encapsulated MTL",
  "1.2.840.10008.5.1.4.1.1.66": "Raw Data",
  "1.2.840.10008.5.1.4.1.1.66.1": "Spatial Registration",
  "1.2.840.10008.5.1.4.1.1.66.2": "Spatial Fiducials",
  "1.2.840.10008.5.1.4.1.1.66.3": "Deformable Spatial Registration",
  "1.2.840.10008.5.1.4.1.1.66.4": "Segmentation",
  "1.2.840.10008.5.1.4.1.1.66.5": "Surface Segmentation",
  "1.2.840.10008.5.1.4.1.1.481.3": "RT Structure Set",
  "1.2.840.10008.5.1.4.1.1.481.4": "RT Beams Treatment Record",
  "1.2.840.10008.5.1.4.1.1.481.5": "RT Plan",
  "1.2.840.10008.5.1.4.1.1.481.8": "RT Ion Plan",
  "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead ECG",
  "1.2.840.10008.5.1.4.1.1.9.1.2": "General ECG",
  "1.2.840.10008.5.1.4.1.1.9.1.3": "Ambulatory ECG",
  "1.2.840.10008.5.1.4.1.1.9.2.1": "Hemodynamic Waveform",
  "1.2.840.10008.5.1.4.1.1.9.4.1": "Basic Voice Audio",
};

// Families by UID prefix, for the classes not named above.
const FAMILIES: [string, string][] = [
  ["1.2.840.10008.5.1.4.1.1.88.", "Structured Report"],
  ["1.2.840.10008.5.1.4.1.1.11.", "Presentation State"],
  ["1.2.840.10008.5.1.4.1.1.104.", "Encapsulated Document"],
  ["1.2.840.10008.5.1.4.1.1.9.", "Waveform"],
  ["1.2.840.10008.5.1.4.1.1.481.", "RT Object"],
  ["1.2.840.10008.5.1.4.1.1.66.", "Raw Data or Registration"],
];

// Modalities whose objects hold no picture (PS3.3 C.7.3.1.1.1), for when a series' SOP class is unknown.
const MODALITIES_WITHOUT_PICTURES: Record<string, string> = {
  SR: "Structured Report",
  PR: "Presentation State",
  KO: "Key Object Selection",
  DOC: "Document",
  REG: "Registration",
  FID: "Fiducials",
  RTSTRUCT: "RT Structure Set",
  RTPLAN: "RT Plan",
  RTRECORD: "RT Treatment Record",
  ECG: "ECG",
  HD: "Hemodynamic Waveform",
  AU: "Audio",
};

/** The name of a SOP class in words, or of its family, or "" when pypacs does not know it. */
export function sopClassName(uid: string): string {
  return NAMES[uid] ?? FAMILIES.find(([prefix]) => uid.startsWith(prefix))?.[1] ?? "";
}

/** What a series without pictures holds, from its SOP class (best) or its modality. */
export function nonImageKind(sopClassUid: string, modality: string): string {
  return sopClassName(sopClassUid) || MODALITIES_WITHOUT_PICTURES[modality] || "Non-image object";
}
