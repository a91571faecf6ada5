"""`pypacs import` (and demo data): finding the objects under files, folders, zips and DICOMDIRs, and storing
each once through the archive's ingest. Decides nothing about DICOM validity (ingest does) and prints nothing."""

from pypacs.importing.items import ImportItem, iter_items
from pypacs.importing.run import DirectoryReport, ImportReport, ImportRun

__all__ = ["DirectoryReport", "ImportItem", "ImportReport", "ImportRun", "iter_items"]
