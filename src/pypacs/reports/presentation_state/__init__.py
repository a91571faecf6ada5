"""Grayscale Softcopy Presentation States: the viewer's JSON (content), the standard's values (enum), and the
object built with highdicom and read back from any GSPS (sop)."""
