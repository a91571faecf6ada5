"""`pypacs import` (and demo data): finding the objects under files, folders and zips, and storing each through
the archive's ingest. Decides nothing about DICOM validity (ingest does) and prints nothing."""

from pypacs.importing.items import ImportItem, count_items, iter_items

__all__ = ["ImportItem", "count_items", "iter_items"]
