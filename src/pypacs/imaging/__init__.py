"""Pixels to pictures: decoding, modality and VOI transforms, rendering to 8-bit images. Pure numpy, no I/O.

Importing the package adds pypacs's decoders to pydicom's (see codecs), so every decoding path uses the same set.
"""

from pypacs.imaging.codecs import register_decoders

register_decoders()
