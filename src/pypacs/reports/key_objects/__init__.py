"""Key Object Selection documents (KO, TID 2010): the viewer's key images JSON (content) and the document built with
highdicom and read back (sop)."""
