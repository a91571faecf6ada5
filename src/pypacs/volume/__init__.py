"""3D from a series: volumes in patient coordinates and the reconstructions made from them (MPR, slabs).

Pure numpy/scipy: arrays and geometry in, arrays out; no files, database or sockets (the archive hands it slices).
"""
