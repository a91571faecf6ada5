"""DICOM network edge (pynetdicom): the AE, its service handlers, and SCU operations."""
