"""Documents about images, made and read for the viewer: presentation states (GSPS), measurement reports (TID 1500
SR) and key object selections (KO), with highdicom. No sockets and no SQL: study_documents stores through Archive.
"""
