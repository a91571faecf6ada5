"""The one archive: ingest, index, blob store and the query model shared by C-FIND and QIDO-RS."""
