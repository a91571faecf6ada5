"""TID 1500 Measurement Reports: the viewer's measurements JSON (content) and the Comprehensive 3D SR built with
highdicom and read back (sop)."""
