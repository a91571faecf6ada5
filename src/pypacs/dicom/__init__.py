"""Pure DICOM knowledge: levels, matching rules, SOP classes and transfer syntaxes; no I/O."""
