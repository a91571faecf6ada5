"""HTTP edge (FastAPI): health, REST API, later DICOMweb and the viewer."""
